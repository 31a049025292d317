namespace DmarcSecurity.Web.Api;

/// <summary>One page of an Api list: every list endpoint answers in this shape (<c>page</c> is 1-based).</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long TotalCount);
