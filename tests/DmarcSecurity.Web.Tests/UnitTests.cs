using DmarcSecurity.Web.Api;
using DmarcSecurity.Web.Components.Shared;

namespace DmarcSecurity.Web.Tests;

public sealed class LoginUrlTests
{
    [Theory]
    [InlineData("/reports?domain=a.example", "/reports?domain=a.example")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/account/login", "/")]
    [InlineData("/reports?domain=bücher.example", "/reports?domain=b%C3%BCcher.example")]
    [InlineData("/domains/日本.example", "/domains/%E6%97%A5%E6%9C%AC.example")]
    [InlineData("/reports?domain=a b", "/reports?domain=a%20b")]
    [InlineData("/reports\r\nSet-Cookie: x=1", "/")]
    [InlineData("/😀", "/%F0%9F%98%80")]
    public void Only_local_pages_are_returned_to(string? requested, string expected) =>
        Assert.Equal(expected, LoginUrl.SafeReturn(requested));
}

public sealed class ApiPathTests
{
    [Fact]
    public void Empty_values_are_left_out_and_the_rest_escaped_invariantly()
    {
        var from = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.FromHours(2));

        var path = ApiPath.For("/api/x", ("domain", "a b.example"), ("reporter", null), ("from", from), ("top", 10), ("blank", " "), ("flag", true));

        Assert.Equal("/api/x?domain=a%20b.example&from=2026-11-19T22%3A00%3A00.0000000Z&top=10&flag=true", path);
    }
}

public sealed class WorldMapTests
{
    [Fact]
    public void Every_country_of_world_atlas_but_Antarctica_is_drawn_with_its_alpha2_code()
    {
        var shapes = WorldMap.Shapes;

        // countries-110m.json has 177 countries; three have no ISO id.
        Assert.Equal(176, shapes.Count);
        Assert.Equal(["Kosovo", "N. Cyprus", "Somaliland"], shapes.Where(s => s.Code is null).Select(s => s.Name).Order());
        Assert.Equal(("United States of America", "Russia", "France"), (WorldMap.NameOf("US"), WorldMap.NameOf("RU"), WorldMap.NameOf("FR")));
        Assert.Equal("SG", WorldMap.NameOf("SG")); // too small for the 110m map: the table still names it by its code
        Assert.DoesNotContain(shapes, s => s.Code == "AQ");
        Assert.All(shapes, s => Assert.Matches("^(M[-0-9.]+,[-0-9.]+(L[-0-9.]+,[-0-9.]+)*Z)+$", s.Path));
    }

    [Fact]
    public void A_ring_across_the_antimeridian_is_made_continuous_and_drawn_again_a_turn_the_other_way()
    {
        var copies = WorldMap.AcrossTheAntimeridian([(179, 0), (-179, 0), (-179, 1), (179, 1)]).ToList();
        var inside = WorldMap.AcrossTheAntimeridian([(10, 0), (20, 0), (20, 1)]).ToList();

        Assert.Equal([[(179, 0), (181, 0), (181, 1), (179, 1)], [(-181, 0), (-179, 0), (-179, 1), (-181, 1)]], copies);
        Assert.Equal([[(10, 0), (20, 0), (20, 1)]], inside);
    }

    [Fact]
    public void The_projection_is_Natural_Earth_and_the_map_fills_its_view_box()
    {
        var (x, y) = WorldMap.Project(180, 0);
        var (_, north) = WorldMap.Project(0, 90);

        Assert.Equal((0.0, 0.0), WorldMap.Project(0, 0));
        Assert.Equal(0.8707 * Math.PI, x, 6);
        Assert.Equal(0.0, y);
        Assert.Equal(1.4224, north, 3);
        Assert.StartsWith("0 0 960 ", WorldMap.ViewBox);
    }
}
