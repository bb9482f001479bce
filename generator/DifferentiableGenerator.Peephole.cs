using System;
using System.Collections.Generic;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// Turns the first accumulation into an adjoint that is still zero into an assignment: <c>dx = 0; ... dx += c;</c>
    /// becomes <c>dx = c;</c>. The JIT cannot do this itself (<c>0.0 + c</c> is not <c>c</c> when c is -0.0), and in a
    /// reverse loop those additions chain from one iteration to the next (the adjoint of a running sum passes through
    /// two of them per iteration); as moves they cost nothing. Only straight-line code is rewritten: a write inside an
    /// if or a loop ends what is known about that adjoint.
    /// </summary>
    internal static class Peephole
    {
        // The lines are the generator's own, in a few fixed shapes, so they are taken apart by hand: with Regex
        // (a Match and its Groups per line, a pattern compiled per adjoint name) this pass took a third of the time of
        // emitting the synthetic benchmark project.
        private const string ZeroEnd = " = 0;";

        /// <param name="zeroAdjoints">Declarations (<c>double dx = 0;</c>) in effect where <paramref name="reverse"/> starts.</param>
        public static void FirstWritesAssign(CodeBlock reverse, IEnumerable<string> zeroAdjoints)
        {
            var zero = new HashSet<string>(StringComparer.Ordinal);
            foreach (var declaration in zeroAdjoints)
            {
                if (DeclaredZero(declaration) is { } name)
                {
                    zero.Add(name);
                }
            }

            Rewrite(reverse, zero);
        }

        private static void Rewrite(CodeBlock block, HashSet<string> zero)
        {
            for (var i = 0; i < block.Nodes.Count; i++)
            {
                switch (block.Nodes[i])
                {
                    case CodeLine line:
                        block.Nodes[i] = Rewrite(line, zero);
                        break;
                    case CodeSlot slot:
                        Rewrite(slot.Block, zero); // written inline: straight-line code
                        break;
                    case CodeIf branch:
                        Rewrite(branch.Then, new HashSet<string>(zero, StringComparer.Ordinal));
                        Rewrite(branch.Else, new HashSet<string>(zero, StringComparer.Ordinal));
                        Forget(branch.Then, zero);
                        Forget(branch.Else, zero);
                        break;
                    case CodeLoop loop:
                        // The body runs again: what holds at its start is only what it declares or resets itself.
                        Rewrite(loop.Body, new HashSet<string>(StringComparer.Ordinal));
                        Forget(loop.Body, zero);
                        break;
                }
            }
        }

        private static CodeLine Rewrite(CodeLine line, HashSet<string> zero)
        {
            var text = line.Text;
            if (DeclaredZero(text) is { } declared)
            {
                zero.Add(declared);
                return line;
            }

            if (Assignment(text) is not var (name, op, valueStart))
            {
                return line;
            }

            if (op == "=" && text.Length == name.Length + ZeroEnd.Length && text.EndsWith(ZeroEnd, StringComparison.Ordinal))
            {
                zero.Add(name); // dx = 0;
                return line;
            }

            if (op is "+=" or "-=" && zero.Contains(name) && text.Length > valueStart + 1 && text[text.Length - 1] == ';')
            {
                var value = text.Substring(valueStart, text.Length - 1 - valueStart);
                if (!Mentions(value, name))
                {
                    zero.Remove(name);
                    return new CodeLine($"{name} = {(op == "-=" ? Negate(value) : value)};");
                }
            }

            zero.Remove(name);
            return line;
        }

        // "T name = 0;" (T made of identifier characters and . : < >): the name, else null.
        private static string? DeclaredZero(string text)
        {
            var space = text.IndexOf(' ');
            var nameEnd = text.Length - ZeroEnd.Length;
            if (space <= 0 || nameEnd <= space + 1 || !text.EndsWith(ZeroEnd, StringComparison.Ordinal))
            {
                return null;
            }

            for (var i = 0; i < space; i++)
            {
                if (!SyntaxFacts.IsIdentifierPartCharacter(text[i]) && text[i] is not ('.' or ':' or '<' or '>'))
                {
                    return null;
                }
            }

            return IdentifierEnd(text, space + 1) == nameEnd ? text.Substring(space + 1, nameEnd - space - 1) : null;
        }

        // "name op value" with op one of = += -= *= /=: the name, the operator and where the value starts, else null.
        private static (string Name, string Op, int ValueStart)? Assignment(string text)
        {
            var nameEnd = IdentifierEnd(text, 0);
            if (nameEnd == 0 || nameEnd >= text.Length || text[nameEnd] != ' ')
            {
                return null;
            }

            var opEnd = text.IndexOf(' ', nameEnd + 1);
            if (opEnd < 0)
            {
                return null;
            }

            var op = text.Substring(nameEnd + 1, opEnd - nameEnd - 1);
            return op is "=" or "+=" or "-=" or "*=" or "/=" ? (text.Substring(0, nameEnd), op, opEnd + 1) : null;
        }

        // The end of the run of identifier characters that starts at start.
        private static int IdentifierEnd(string text, int start)
        {
            var end = start;
            while (end < text.Length && SyntaxFacts.IsIdentifierPartCharacter(text[end]))
            {
                end++;
            }

            return end;
        }

        private static string Negate(string value)
        {
            foreach (var c in value)
            {
                if (!SyntaxFacts.IsIdentifierPartCharacter(c) && c != '.')
                {
                    return "-(" + value + ")";
                }
            }

            return "-" + value;
        }

        // After an if or loop: an adjoint it writes may no longer be zero. One walk of the block, not one per name.
        private static void Forget(CodeBlock block, HashSet<string> zero)
        {
            if (zero.Count == 0)
            {
                return;
            }

            foreach (var node in block.Descendants())
            {
                if (node is CodeLine line && Assignment(line.Text) is var (name, _, _))
                {
                    zero.Remove(name);
                }
            }
        }

        // Whether name occurs in text as a whole identifier.
        private static bool Mentions(string text, string name)
        {
            for (var at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.Ordinal))
            {
                var end = at + name.Length;
                if ((at == 0 || !SyntaxFacts.IsIdentifierPartCharacter(text[at - 1]))
                    && (end == text.Length || !SyntaxFacts.IsIdentifierPartCharacter(text[end])))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
