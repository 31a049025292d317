namespace DmarcSecurity.Api.Common;

/// <summary>Paging and sorting, the same on every list endpoint: <c>page</c> (1-based), <c>pageSize</c> (1-500), <c>sort</c> (field, '-' for descending).</summary>
public sealed record PagingParameters(int? Page, int? PageSize, string? Sort) : IValidatable
{
    public PageRequest ToPageRequest() => new(Page ?? 1, PageSize ?? 50, Sort);

    public void Validate(IDictionary<string, string[]> errors)
    {
        if (Page is < 1)
        {
            errors["page"] = ["page starts at 1."];
        }

        if (PageSize is < 1 or > PageRequest.MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {PageRequest.MaxPageSize}."];
        }
    }
}

/// <summary>Report filters shared by the report and stats endpoints. <c>from</c>/<c>to</c> select reports overlapping [from, to).</summary>
public sealed record ReportFilterParameters(string? Domain, string? Reporter, DateTimeOffset? From, DateTimeOffset? To) : IValidatable
{
    public ReportFilter ToFilter() => new(Domain?.Trim(), Reporter?.Trim(), From, To);

    public void Validate(IDictionary<string, string[]> errors) => DateRange.Validate(From, To, errors);
}

internal static class DateRange
{
    public static void Validate(DateTimeOffset? from, DateTimeOffset? to, IDictionary<string, string[]> errors)
    {
        if (from is not null && to is not null && from >= to)
        {
            errors["to"] = ["to must be later than from."];
        }
    }
}
