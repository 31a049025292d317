namespace DmarcSecurity.Web.Components.Shared;

/// <summary>One labelled figure of a chart.</summary>
public sealed record NamedValue(string Name, double Value);
