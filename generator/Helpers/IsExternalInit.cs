namespace System.Runtime.CompilerServices;

/// <summary>Polyfill so that records and init accessors compile on netstandard2.0.</summary>
internal static class IsExternalInit
{
}
