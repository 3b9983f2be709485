namespace DataCompass.Core.Adapters
{
    public enum FieldKind
    {
        String,
        Integer,
        StringList,
    }
}
