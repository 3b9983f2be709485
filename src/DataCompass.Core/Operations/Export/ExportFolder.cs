using System;
using System.IO;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;

namespace DataCompass.Core.Operations.Export
{
    /// <summary>
    /// The folder Export-DcSource writes to: one <c>&lt;name&gt;.yaml</c> per source, each written whole through a
    /// private temporary file and a rename (mode 0600, the folder 0700 when it is created), never over an existing
    /// file unless asked to.
    /// </summary>
    public sealed class ExportFolder
    {
        public ExportFolder(string path)
        {
            if (File.Exists(path))
            {
                throw new DataCompassException(DcError.ExportPathInvalid, $"-Path '{path}' is a file; Export-DcSource writes into a folder.", path);
            }

            Path = path;
        }

        public string Path { get; }

        /// <summary>The file a source is written to; a name that is not a valid source name (so not a safe file name) is refused.</summary>
        public string FileFor(string sourceName)
        {
            try
            {
                SourceNames.Validate(sourceName);
            }
            catch (DataCompassException exception)
            {
                throw exception.WithContext("The source cannot be exported to a file of its name");
            }

            return System.IO.Path.Combine(Path, sourceName + ".yaml");
        }

        /// <summary>Writes one export; an existing file is replaced only with <paramref name="force"/>.</summary>
        public void Write(string file, SourceExport export, bool force)
        {
            if (!force && (File.Exists(file) || Directory.Exists(file)))
            {
                throw Exists(file, export.Name);
            }

            try
            {
                PrivateFiles.WriteAtomically(file, export.Yaml, overwrite: force);
            }
            catch (IOException) when (!force && File.Exists(file))
            {
                // Made by someone else between the check and the rename: theirs is kept.
                throw Exists(file, export.Name);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(
                    DcError.ExportWriteFailed, $"Source '{export.Name}' could not be written to '{file}': {exception.Message}", file);
            }
        }

        private static DataCompassException Exists(string file, string source) =>
            new DataCompassException(
                DcError.ExportFileExists, $"Source '{source}' was not exported: the file '{file}' already exists. Use -Force to replace it.", file);
    }
}
