using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>One country's outline as SVG path data, in the map's <see cref="WorldMap.ViewBox"/>.</summary>
/// <param name="Code">ISO 3166-1 alpha-2 code; null for the few places world-atlas gives no ISO id (N. Cyprus, Somaliland, Kosovo).</param>
public sealed record CountryShape(string? Code, string Name, string Path);

/// <summary>
/// The world's countries from world-atlas' <c>countries-110m.json</c> (TopoJSON, embedded in this assembly), drawn once
/// per process into SVG paths with the Natural Earth projection. TopoJSON stores shared borders once as quantized,
/// delta-encoded arcs; a country's rings list the arcs they follow (a negative index, <c>~i</c>, follows arc <c>i</c>
/// backwards). Antarctica is left out: no mail is sent from there and it would take a fifth of the height.
/// </summary>
public static class WorldMap
{
    private const double Width = 960;
    private static readonly Lazy<(IReadOnlyList<CountryShape> Shapes, string ViewBox, string Outline)> s_map = new(Build);

    public static IReadOnlyList<CountryShape> Shapes => s_map.Value.Shapes;

    public static string ViewBox => s_map.Value.ViewBox;

    /// <summary>The edge of the projected globe, as SVG path data: drawn behind the countries and clipping them.</summary>
    public static string Outline => s_map.Value.Outline;

    /// <summary>The English name world-atlas gives a country code; the code itself when the map has no such country.</summary>
    public static string NameOf(string code) => s_names.Value.GetValueOrDefault(code, code);

    private static readonly Lazy<Dictionary<string, string>> s_names = new(() =>
        Shapes.Where(s => s.Code is not null).GroupBy(s => s.Code!).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal));

    /// <summary>Natural Earth I (Šavrič, Patterson, Jenny, 2011): polynomial in latitude, radians in, unit-sphere x/y out.</summary>
    public static (double X, double Y) Project(double longitude, double latitude)
    {
        var lambda = longitude * Math.PI / 180;
        var phi = latitude * Math.PI / 180;
        var phi2 = phi * phi;
        var phi4 = phi2 * phi2;
        var x = lambda * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)));
        var y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)));
        return (x, y);
    }

    /// <summary>
    /// A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps from +180° to -180° in its data; drawn as
    /// is, it would stripe across the whole map. Its longitudes are made continuous instead (a ring may then reach
    /// past ±180°), and it is drawn a second time a full turn the other way; the globe's outline clips both copies.
    /// </summary>
    public static IEnumerable<List<(double Lon, double Lat)>> AcrossTheAntimeridian(List<(double Lon, double Lat)> ring)
    {
        var continuous = new List<(double Lon, double Lat)>(ring.Count);
        var turn = 0.0;
        for (var i = 0; i < ring.Count; i++)
        {
            if (i > 0)
            {
                var step = ring[i].Lon - ring[i - 1].Lon;
                turn += step > 180 ? -360 : step < -180 ? 360 : 0;
            }

            continuous.Add((ring[i].Lon + turn, ring[i].Lat));
        }

        yield return continuous;
        if (continuous.Max(p => p.Lon) > 180)
        {
            yield return continuous.Select(p => (p.Lon - 360, p.Lat)).ToList();
        }

        if (continuous.Min(p => p.Lon) < -180)
        {
            yield return continuous.Select(p => (p.Lon + 360, p.Lat)).ToList();
        }
    }

    private static (IReadOnlyList<CountryShape>, string, string) Build()
    {
        var alpha2 = ReadNumericToAlpha2();
        using var json = JsonDocument.Parse(Resource("countries-110m.json"));
        var root = json.RootElement;
        var transform = root.GetProperty("transform");
        var (scaleX, scaleY) = (transform.GetProperty("scale")[0].GetDouble(), transform.GetProperty("scale")[1].GetDouble());
        var (moveX, moveY) = (transform.GetProperty("translate")[0].GetDouble(), transform.GetProperty("translate")[1].GetDouble());

        // Every arc decoded once into longitude and latitude.
        var arcs = new List<(double Lon, double Lat)[]>();
        foreach (var arc in root.GetProperty("arcs").EnumerateArray())
        {
            var points = new (double, double)[arc.GetArrayLength()];
            long qx = 0, qy = 0;
            var i = 0;
            foreach (var delta in arc.EnumerateArray())
            {
                qx += delta[0].GetInt64();
                qy += delta[1].GetInt64();
                points[i++] = (qx * scaleX + moveX, qy * scaleY + moveY);
            }

            arcs.Add(points);
        }

        var xMax = Project(180, 0).X;
        var scale = Width / (2 * xMax);
        (double X, double Y) Screen(double lon, double lat)
        {
            var (x, y) = Project(lon, lat);
            return ((x + xMax) * scale, -y * scale);
        }

        var countries = new List<(string? Code, string Name, List<List<(double X, double Y)>> Rings)>();
        double top = double.MaxValue, bottom = double.MinValue;
        foreach (var geometry in root.GetProperty("objects").GetProperty("countries").GetProperty("geometries").EnumerateArray())
        {
            var id = geometry.TryGetProperty("id", out var idValue) ? idValue.GetString() : null;
            if (id == "010")
            {
                continue; // Antarctica
            }

            List<JsonElement> polygons = geometry.GetProperty("type").GetString() switch
            {
                "Polygon" => [geometry.GetProperty("arcs")],
                "MultiPolygon" => geometry.GetProperty("arcs").EnumerateArray().ToList(),
                _ => [],
            };
            var rings = new List<List<(double X, double Y)>>();
            foreach (var ring in polygons.SelectMany(p => p.EnumerateArray()))
            {
                var points = new List<(double Lon, double Lat)>();
                foreach (var index in ring.EnumerateArray().Select(a => a.GetInt32()))
                {
                    var arc = index >= 0 ? arcs[index] : arcs[~index].Reverse().ToArray();
                    points.AddRange(points.Count == 0 ? arc : arc.Skip(1));
                }

                foreach (var copy in AcrossTheAntimeridian(points))
                {
                    var screen = copy.Select(p => Screen(p.Lon, Math.Clamp(p.Lat, -90, 90))).ToList();
                    top = Math.Min(top, screen.Min(p => p.Y));
                    bottom = Math.Max(bottom, screen.Max(p => p.Y));
                    rings.Add(screen);
                }
            }

            countries.Add((id is null ? null : alpha2.GetValueOrDefault(id), geometry.GetProperty("properties").GetProperty("name").GetString() ?? "", rings));
        }

        // The globe's outline (the meridians of ±180°): the map's background and its clip.
        var outline = Enumerable.Range(0, 181).Select(lat => Screen(180, 90 - lat))
            .Concat(Enumerable.Range(0, 181).Select(lat => Screen(-180, lat - 90))).ToList();
        top = Math.Max(top, outline.Min(p => p.Y));
        bottom = Math.Min(bottom, outline.Max(p => p.Y));
        // Shift so the northernmost point is at y = 0.
        var shapes = countries.Select(c => new CountryShape(c.Code, c.Name, PathData(c.Rings, top))).ToList();
        var viewBox = string.Create(CultureInfo.InvariantCulture, $"0 0 {Width:0} {Math.Ceiling(bottom - top):0}");
        return (shapes, viewBox, PathData([outline], top));
    }

    private static string PathData(List<List<(double X, double Y)>> rings, double top)
    {
        var path = new StringBuilder();
        foreach (var ring in rings)
        {
            string? last = null;
            foreach (var (x, y) in ring)
            {
                var point = string.Create(CultureInfo.InvariantCulture, $"{x:0.#},{y - top:0.#}");
                if (point == last)
                {
                    continue; // the same point at this resolution
                }

                path.Append(last is null ? 'M' : 'L').Append(point);
                last = point;
            }

            path.Append('Z');
        }

        return path.ToString();
    }

    /// <summary>iso-3166-numeric-alpha2.csv: generated once from Debian's iso-codes (see the README's country map).</summary>
    private static Dictionary<string, string> ReadNumericToAlpha2()
    {
        using var reader = new StreamReader(Resource("iso-3166-numeric-alpha2.csv"));
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        reader.ReadLine(); // header
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            table[line[..comma]] = line[(comma + 1)..];
        }

        return table;
    }

    private static Stream Resource(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("DmarcSecurity.Web.WorldMap." + name)
        ?? throw new InvalidOperationException($"The map resource {name} is missing from the Web assembly.");
}
