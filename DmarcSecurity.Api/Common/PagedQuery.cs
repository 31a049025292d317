using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Common;

internal static class PagedQuery
{
    /// <summary>One page of <paramref name="query"/> in the requested order (the tie-breaker keeps pages from
    /// overlapping), mapped after loading so the mapping may do what SQL cannot (parse stored JSON). An unknown sort
    /// field is an <see cref="ArgumentException"/>, answered as 400 before the database is asked anything.</summary>
    public static async Task<PagedResult<TDto>> PageAsync<T, TKey, TDto>(
        this IQueryable<T> query,
        SortOrder<T> sort,
        Expression<Func<T, TKey>> tieBreaker,
        PageRequest request,
        Func<T, TDto> map,
        CancellationToken cancellationToken)
    {
        var (page, size) = Paging.Clamp(request);
        var ordered = sort.Apply(query, request.Sort, tieBreaker);
        var total = await query.LongCountAsync(cancellationToken);
        var rows = await ordered.Skip((page - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new PagedResult<TDto>(rows.Select(map).ToList(), page, size, total);
    }

    /// <summary>Rows whose <paramref name="at"/> lies in [from, to); either end may be open. The bounds go to the
    /// database as UTC parameters (Npgsql writes timestamptz only from UTC).</summary>
    public static IQueryable<T> Within<T>(this IQueryable<T> query, Expression<Func<T, DateTimeOffset>> at, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f)
        {
            query = query.Where(Compare(at, f, Expression.GreaterThanOrEqual));
        }

        if (to is { } t)
        {
            query = query.Where(Compare(at, t, Expression.LessThan));
        }

        return query;
    }

    private static Expression<Func<T, bool>> Compare<T>(
        Expression<Func<T, DateTimeOffset>> at, DateTimeOffset bound, Func<Expression, Expression, BinaryExpression> comparison)
    {
        // A member of a captured object, as a closure would make, so EF sends a parameter rather than a literal.
        var value = Expression.Field(Expression.Constant(new StrongBox<DateTimeOffset>(bound.ToUniversalTime())), nameof(StrongBox<DateTimeOffset>.Value));
        return Expression.Lambda<Func<T, bool>>(comparison(at.Body, value), at.Parameters);
    }

    /// <summary>Deletes the rows (one, by its id): 204, or 404 when there was none.</summary>
    public static async Task<Results<NoContent, NotFound>> DeleteAsync<T>(this IQueryable<T> rows, CancellationToken cancellationToken) =>
        await rows.ExecuteDeleteAsync(cancellationToken) > 0 ? TypedResults.NoContent() : TypedResults.NotFound();

    public static SortOrder<T> Sort<T>(string defaultSort, params (string Field, Func<IQueryable<T>, bool, IOrderedQueryable<T>> Order)[] fields) =>
        new(defaultSort, fields.ToDictionary(f => f.Field, f => f.Order, StringComparer.OrdinalIgnoreCase));
}
