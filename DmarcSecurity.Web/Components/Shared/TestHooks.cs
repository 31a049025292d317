using Radzen;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>Stable hooks for the end-to-end tests on rows the data grid renders.</summary>
internal static class TestHooks
{
    public static Action<RowRenderEventArgs<T>> Row<T>(string testId) => args => args.Attributes["data-testid"] = testId;
}
