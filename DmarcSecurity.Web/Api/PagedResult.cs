namespace DmarcSecurity.Web.Api;

/// <summary>One page of a list endpoint, as every list of the Api answers it.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long TotalCount);
