using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The ingestion history page against the real Api: the seeded upload is there, with who uploaded it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class IngestionPageTests(Platform platform)
{
    [Fact]
    public async Task Viewer_sees_the_seeded_upload_in_the_ingestion_history_with_its_uploader_and_reports()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);

        await page.GotoAsync($"/ingestion?source=upload:{Platform.AdminEmail}&outcome=Stored");

        var row = page.GetByTestId("ingestion-row").First;
        await Expect(row.GetByTestId("ingestion-source")).ToHaveTextAsync($"upload:{Platform.AdminEmail}");
        await Expect(row.GetByTestId("ingestion-outcome")).ToContainTextAsync("Stored");
        await Expect(row.GetByTestId("ingestion-report").First).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/reports/[0-9]+$"));
        await Expect(page.GetByTestId("mailbox-row")).ToHaveCountAsync(0);
    }
}
