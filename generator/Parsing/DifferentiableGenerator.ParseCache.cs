using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// Reuses a method's parse across compilations. ForAttributeWithMetadataName runs its transform again for every
    /// [Differentiable] method whenever the compilation changes, in any file, and parsing binds the method's body:
    /// in a project with many such methods, every keystroke would re-bind all of them. What a parse reads is the
    /// method's own syntax and declarations (signatures, attributes, constants, usings) of the whole compilation, never
    /// another method's body. So the result is kept per syntax node (a file that did not change keeps its nodes) and
    /// reused while a fingerprint of the compilation's declarations, references and options is the same.
    /// </summary>
    internal static class ParseCache
    {
        private static readonly ConditionalWeakTable<MethodDeclarationSyntax, Entry> s_results = new();
        private static readonly ConditionalWeakTable<Compilation, Fingerprint> s_fingerprints = new();
        private static readonly ConditionalWeakTable<SyntaxTree, TreeHash> s_treeHashes = new();

        /// <summary>How many methods this thread has parsed rather than taken from the cache (for tests of the cache).</summary>
        [ThreadStatic]
        internal static int ParsesOnThisThread;

        public static ParseResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            var fingerprint = s_fingerprints.GetValue(semanticModel.Compilation, Fingerprint.Of);
            if (s_results.TryGetValue(syntax, out var cached) && cached.Fingerprint.Equals(fingerprint))
            {
                return cached.Result;
            }

            var result = Parser.Parse(method, syntax, semanticModel, cancellationToken);
            ParsesOnThisThread++;
            lock (s_results)
            {
                s_results.Remove(syntax);
                s_results.Add(syntax, new Entry(fingerprint, result));
            }

            return result;
        }

        private sealed class Entry(Fingerprint fingerprint, ParseResult result)
        {
            public Fingerprint Fingerprint { get; } = fingerprint;

            public ParseResult Result { get; } = result;
        }

        private sealed class TreeHash(ulong value)
        {
            public ulong Value { get; } = value;
        }

        /// <summary>What a parse can depend on outside the method: every file's declarations, the references, the options.</summary>
        private sealed class Fingerprint(ulong[] trees, (string Display, int Identity)[] references, CompilationOptions options) : IEquatable<Fingerprint>
        {
            private readonly ulong[] _trees = trees;
            private readonly (string Display, int Identity)[] _references = references;
            // Compared by reference: inside the command-line compiler CompilationOptions.GetHashCode() throws
            // NotImplementedException (CS8785 in every dotnet build). A compilation derived from another by an edit keeps
            // its options object; new options only miss the cache.
            private readonly CompilationOptions _options = options;

            public static Fingerprint Of(Compilation compilation) => new(
                compilation.SyntaxTrees.Select(tree => s_treeHashes.GetValue(tree, t => new TreeHash(DeclarationHash(t))).Value).ToArray(),
                compilation.References.Select(r => (r.Display ?? "", RuntimeHelpers.GetHashCode(r))).ToArray(),
                compilation.Options);

            public bool Equals(Fingerprint? other)
                => other is not null && ReferenceEquals(_options, other._options) && _trees.SequenceEqual(other._trees) && _references.SequenceEqual(other._references);

            public override bool Equals(object? obj) => Equals(obj as Fingerprint);

            public override int GetHashCode() => _trees.Length;
        }

        /// <summary>A hash of a file's tokens outside method, accessor, constructor and operator bodies, and of its parse options.</summary>
        private static ulong DeclarationHash(SyntaxTree tree)
        {
            var hash = 14695981039346656037UL; // FNV-1a
            void Add(string text)
            {
                foreach (var ch in text)
                {
                    hash = (hash ^ ch) * 1099511628211UL;
                }

                hash = (hash ^ 0xFFFF) * 1099511628211UL;
            }

            Add(tree.FilePath);
            Add(tree.Options.GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture));
            var root = tree.GetRoot();
            foreach (var token in root.DescendantTokens(node => !IsBody(node)))
            {
                Add(token.Text);
            }

            return hash;
        }

        // Bodies of members: what another method's parse never reads. (A property's or field's initializer stays in.)
        private static bool IsBody(SyntaxNode node)
            => node is BlockSyntax or ArrowExpressionClauseSyntax
            && node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax;
    }
}
