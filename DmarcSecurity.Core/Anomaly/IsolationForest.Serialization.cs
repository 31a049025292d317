using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DmarcSecurity.Core.Anomaly;

public sealed partial class IsolationForest
{
    /// <summary>Version of the stored form written by <see cref="ToBytes"/> and <see cref="ToJson"/>.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest number of features a stored model may declare.</summary>
    public const int MaxDimensions = 1 << 16;

    private const string JsonFormatName = "DmarcSecurity.IsolationForest";
    private const int HeaderSize = 4 + 2 + (3 * sizeof(int));
    private const int NodeSize = sizeof(int) + sizeof(int) + sizeof(double);
    private static ReadOnlySpan<byte> Magic => "DSIF"u8;

    /// <summary>
    /// The model as bytes: "DSIF", format version (uint16), dimensions, ψ, tree count, then per tree its node count
    /// and its nodes (feature, left child relative to the tree, value); integers little-endian int32, values IEEE
    /// doubles. <see cref="FromBytes"/> reads it back to a model that gives identical scores.
    /// </summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[HeaderSize + (_roots.Length * sizeof(int)) + (_nodes.Length * NodeSize)];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(span[6..], Dimensions);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], SampleSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[14..], _roots.Length);
        var at = HeaderSize;
        for (var t = 0; t < _roots.Length; t++)
        {
            var (start, length) = TreeRange(t);
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], length);
            at += sizeof(int);
            foreach (var node in _nodes.AsSpan(start, length))
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], node.Feature);
                BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], node.Feature >= 0 ? node.Left - start : 0);
                BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 8)..], node.Value);
                at += NodeSize;
            }
        }

        return bytes;
    }

    /// <summary>Reads a model written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">Not such a model, another format version, truncated or trailing
    /// bytes, sizes out of range, or trees that are not well formed.</exception>
    public static IsolationForest FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize || !bytes[..4].SequenceEqual(Magic))
        {
            throw Invalid($"not an Isolation Forest model ({bytes.Length} bytes without the DSIF header)");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw Invalid($"format version {version}; this build reads version {FormatVersion}");
        }

        var (dimensions, sampleSize, treeCount) = CheckHeader(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[6..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[10..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[14..]));
        var maxNodes = (2 * sampleSize) - 1;
        var trees = new Node[treeCount][];
        var at = HeaderSize;
        for (var t = 0; t < treeCount; t++)
        {
            if (bytes.Length - at < sizeof(int))
            {
                throw Invalid($"truncated at tree {t} of {treeCount}");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            at += sizeof(int);
            if (length < 1 || length > maxNodes)
            {
                throw Invalid($"tree {t} declares {length} nodes; a tree of ψ = {sampleSize} has 1 to {maxNodes}");
            }

            // Checked before allocating, so a forged count cannot ask for more memory than the input justifies.
            if ((long)(bytes.Length - at) < (long)length * NodeSize)
            {
                throw Invalid($"truncated in tree {t}: {length} nodes need {(long)length * NodeSize} bytes, {bytes.Length - at} remain");
            }

            var nodes = new Node[length];
            for (var i = 0; i < length; i++)
            {
                nodes[i] = new Node
                {
                    Feature = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]),
                    Left = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 4)..]),
                    Value = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(at + 8)..]),
                };
                at += NodeSize;
            }

            trees[t] = nodes;
        }

        if (at != bytes.Length)
        {
            throw Invalid($"{bytes.Length - at} bytes after the last tree");
        }

        return Assemble(dimensions, sampleSize, trees);
    }

    /// <summary>The model as JSON: format name and version, dimensions, ψ and per tree its nodes' features, left
    /// children (relative to the tree) and values. Doubles are written in their shortest round-trip form.</summary>
    public string ToJson()
    {
        var trees = new StoredTree[_roots.Length];
        for (var t = 0; t < trees.Length; t++)
        {
            var (start, length) = TreeRange(t);
            var nodes = _nodes.AsSpan(start, length);
            var (features, left, values) = (new int[length], new int[length], new double[length]);
            for (var i = 0; i < length; i++)
            {
                features[i] = nodes[i].Feature;
                left[i] = nodes[i].Feature >= 0 ? nodes[i].Left - start : 0;
                values[i] = nodes[i].Value;
            }

            trees[t] = new StoredTree(features, left, values);
        }

        return JsonSerializer.Serialize(new StoredForest(JsonFormatName, FormatVersion, Dimensions, SampleSize, trees), IsolationForestJson.Default.StoredForest);
    }

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">Not such a model, another format version, sizes out of range, or trees
    /// that are not well formed.</exception>
    public static IsolationForest FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        StoredForest? stored;
        try
        {
            stored = JsonSerializer.Deserialize(json, IsolationForestJson.Default.StoredForest);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Stored Isolation Forest model is invalid: not readable JSON ({e.Message}).", e);
        }

        if (stored is null || stored.Format != JsonFormatName)
        {
            throw Invalid($"format \"{stored?.Format}\" is not {JsonFormatName}");
        }

        if (stored.Version != FormatVersion)
        {
            throw Invalid($"format version {stored.Version}; this build reads version {FormatVersion}");
        }

        var (dimensions, sampleSize, treeCount) = CheckHeader(stored.Dimensions, stored.SampleSize, stored.Trees?.Length ?? 0);
        var maxNodes = (2 * sampleSize) - 1;
        var trees = new Node[treeCount][];
        for (var t = 0; t < treeCount; t++)
        {
            var tree = stored.Trees![t];
            var length = tree?.Features?.Length ?? 0;
            if (length < 1 || length > maxNodes || tree!.Left?.Length != length || tree.Values?.Length != length)
            {
                throw Invalid($"tree {t} has {length} features, {tree?.Left?.Length ?? 0} children and {tree?.Values?.Length ?? 0} values; a tree of ψ = {sampleSize} has 1 to {maxNodes} of each");
            }

            var nodes = new Node[length];
            for (var i = 0; i < length; i++)
            {
                nodes[i] = new Node { Feature = tree.Features![i], Left = tree.Left[i], Value = tree.Values[i] };
            }

            trees[t] = nodes;
        }

        return Assemble(dimensions, sampleSize, trees);
    }

    private (int Start, int Length) TreeRange(int tree)
    {
        var start = _roots[tree];
        var end = tree + 1 < _roots.Length ? _roots[tree + 1] : _nodes.Length;
        return (start, end - start);
    }

    private static (int Dimensions, int SampleSize, int TreeCount) CheckHeader(int dimensions, int sampleSize, int treeCount)
    {
        if (dimensions is < 1 or > MaxDimensions)
        {
            throw Invalid($"{dimensions} dimensions; 1 to {MaxDimensions} are accepted");
        }

        // ψ = 1 comes from training on a single row.
        if (sampleSize is < 1 or > IsolationForestOptions.MaxSampleSize)
        {
            throw Invalid($"sample size {sampleSize}; 1 to {IsolationForestOptions.MaxSampleSize} are accepted");
        }

        if (treeCount is < 1 or > IsolationForestOptions.MaxTrees)
        {
            throw Invalid($"{treeCount} trees; 1 to {IsolationForestOptions.MaxTrees} are accepted");
        }

        return (dimensions, sampleSize, treeCount);
    }

    /// <summary>
    /// Checks each tree and lays the trees end to end. A well-formed tree has every internal node's children after it
    /// (so a walk always ends, whatever the bytes said), features within the dimensions, finite split values and
    /// external nodes whose path length is between 0 and the height limit plus c(ψ).
    /// </summary>
    private static IsolationForest Assemble(int dimensions, int sampleSize, Node[][] trees)
    {
        var maxLeafValue = HeightLimitFor(sampleSize) + AveragePathLength(sampleSize);
        var roots = new int[trees.Length];
        var all = new Node[trees.Sum(t => (long)t.Length)];
        var offset = 0;
        for (var t = 0; t < trees.Length; t++)
        {
            roots[t] = offset;
            var nodes = trees[t];
            for (var i = 0; i < nodes.Length; i++)
            {
                var node = nodes[i];
                if (node.Feature >= 0)
                {
                    if (node.Feature >= dimensions || node.Left <= i || node.Left >= nodes.Length - 1 || !double.IsFinite(node.Value))
                    {
                        throw Invalid($"tree {t} node {i} splits feature {node.Feature} at {node.Value} with children {node.Left} and {node.Left + 1} of {nodes.Length} nodes");
                    }

                    node.Left += offset;
                }
                else if (node.Feature != -1 || !(node.Value >= 0 && node.Value <= maxLeafValue))
                {
                    throw Invalid($"tree {t} node {i} is external with feature {node.Feature} and path length {node.Value} (0 to {maxLeafValue:0.###} allowed)");
                }

                all[offset + i] = node;
            }

            offset += nodes.Length;
        }

        return new IsolationForest(dimensions, sampleSize, all, roots);
    }

    private static InvalidDataException Invalid(string why) => new($"Stored Isolation Forest model is invalid: {why}.");

    internal sealed record StoredForest(string? Format, int Version, int Dimensions, int SampleSize, StoredTree?[]? Trees);

    internal sealed record StoredTree(int[]? Features, int[]? Left, double[]? Values);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IsolationForest.StoredForest))]
internal sealed partial class IsolationForestJson : JsonSerializerContext;
