namespace DataCompass.Core.Operations.Convert
{
    /// <summary>Which kind of catalog row a converted value lives in.</summary>
    public enum ConversionTarget
    {
        /// <summary>A field of a row of <c>data_sources</c> (its connection_info).</summary>
        DataSource,

        /// <summary>A value in the config of a row of the Python tool's <c>notification_channels</c>.</summary>
        NotificationChannel,
    }
}
