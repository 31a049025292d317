namespace DmarcSecurity.Cli.Ingest;

/// <summary>Turns the paths on the command line into files: a file is taken as named, a folder for the files in it
/// (and its subfolders) whose extension is one of <paramref name="folderExtensions"/>.</summary>
public static class InputFiles
{
    public static IReadOnlyList<UploadItem> Expand(IEnumerable<string> paths, IReadOnlyCollection<string> folderExtensions)
    {
        var items = new List<UploadItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                Add(Path.GetFullPath(path), path);
            }
            else if (Directory.Exists(path))
            {
                var options = new EnumerationOptions
                {
                    RecurseSubdirectories = true,
                    IgnoreInaccessible = true,
                    AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
                };
                var found = Directory.EnumerateFiles(path, "*", options)
                    .Where(f => folderExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new UsageException($"The folder {path} holds no {string.Join(", ", folderExtensions)} file.");
                }

                foreach (var file in found)
                {
                    Add(Path.GetFullPath(file), file);
                }
            }
            else
            {
                throw new UsageException($"No such file or folder: {path}");
            }
        }

        return items;

        void Add(string fullPath, string displayName)
        {
            if (seen.Add(fullPath))
            {
                items.Add(UploadItem.FromFile(fullPath, displayName));
            }
        }
    }
}
