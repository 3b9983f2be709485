namespace DataCompass
{
    /// <summary>
    /// Where the online copy of the help lives: docs/help/&lt;Verb-Noun&gt;.md in the project's repository
    /// (build.ps1 -Task Docs writes it from module/help). The manifest's ProjectUri names the same repository.
    /// </summary>
    internal static class HelpLinks
    {
        public const string Project = "https://github.com/datacompass-ps/DataCompass";

        public const string Help = Project + "/blob/main/docs/help/";
    }
}
