using System.Linq.Expressions;

namespace DmarcSecurity.Data.Reports;

/// <summary>Sort and page handling shared by the list queries.</summary>
public sealed class SortOrder<T>(string defaultSort, IReadOnlyDictionary<string, Func<IQueryable<T>, bool, IOrderedQueryable<T>>> fields)
{
    /// <summary>Orders by the requested field ("-field" descending), then by <paramref name="tieBreaker"/> in the same
    /// direction, so pages never overlap and "newest first" stays newest first among equal values.</summary>
    public IOrderedQueryable<T> Apply<TKey>(IQueryable<T> query, string? sort, Expression<Func<T, TKey>> tieBreaker)
    {
        var text = string.IsNullOrWhiteSpace(sort) ? defaultSort : sort.Trim();
        var descending = text.StartsWith('-');
        var field = descending ? text[1..] : text;
        if (!fields.TryGetValue(field, out var order))
        {
            throw new ArgumentException(
                $"Unknown sort field '{field}'. Allowed: {string.Join(", ", fields.Keys)} (prefix with '-' for descending).",
                nameof(sort));
        }

        var ordered = order(query, descending);
        return descending ? ordered.ThenByDescending(tieBreaker) : ordered.ThenBy(tieBreaker);
    }
}

public static class Paging
{
    public static (int Page, int PageSize) Clamp(PageRequest request) =>
        (Math.Max(1, request.Page), Math.Clamp(request.PageSize, 1, PageRequest.MaxPageSize));

    public static IOrderedQueryable<T> By<T, TKey>(this IQueryable<T> query, Expression<Func<T, TKey>> key, bool descending) =>
        descending ? query.OrderByDescending(key) : query.OrderBy(key);
}
