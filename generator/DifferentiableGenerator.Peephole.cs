using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiff.Generators.Model;

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
        private static readonly Regex s_declaration = new(@"^[\w.:<>]+ (?<name>\w+) = 0;$", RegexOptions.CultureInvariant);
        private static readonly Regex s_reset = new(@"^(?<name>\w+) = 0;$", RegexOptions.CultureInvariant);
        private static readonly Regex s_accumulate = new(@"^(?<name>\w+) (?<op>\+=|-=) (?<value>.+);$", RegexOptions.CultureInvariant);
        private static readonly Regex s_assignment = new(@"^(?<name>\w+) (=|\+=|-=|\*=|/=) ", RegexOptions.CultureInvariant);

        /// <param name="zeroAdjoints">Declarations (<c>double dx = 0;</c>) in effect where <paramref name="reverse"/> starts.</param>
        public static void FirstWritesAssign(CodeBlock reverse, IEnumerable<string> zeroAdjoints)
        {
            var zero = new HashSet<string>(zeroAdjoints.Select(d => s_declaration.Match(d)).Where(m => m.Success).Select(m => m.Groups["name"].Value));
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
                        Rewrite(branch.Then, new HashSet<string>(zero));
                        Rewrite(branch.Else, new HashSet<string>(zero));
                        Forget(branch.Then, zero);
                        Forget(branch.Else, zero);
                        break;
                    case CodeLoop loop:
                        // The body runs again: what holds at its start is only what it declares or resets itself.
                        Rewrite(loop.Body, new HashSet<string>());
                        Forget(loop.Body, zero);
                        break;
                }
            }
        }

        private static CodeLine Rewrite(CodeLine line, HashSet<string> zero)
        {
            var text = line.Text;
            if (s_declaration.Match(text) is { Success: true } declared)
            {
                zero.Add(declared.Groups["name"].Value);
                return line;
            }

            if (s_reset.Match(text) is { Success: true } reset)
            {
                zero.Add(reset.Groups["name"].Value);
                return line;
            }

            if (s_accumulate.Match(text) is { Success: true } accumulate && zero.Contains(accumulate.Groups["name"].Value))
            {
                var name = accumulate.Groups["name"].Value;
                var value = accumulate.Groups["value"].Value;
                if (!Mentions(value, name))
                {
                    zero.Remove(name);
                    var negated = accumulate.Groups["op"].Value == "-=";
                    return new CodeLine($"{name} = {(negated ? Negate(value) : value)};");
                }
            }

            if (s_assignment.Match(text) is { Success: true } assigned)
            {
                zero.Remove(assigned.Groups["name"].Value);
            }

            return line;
        }

        private static string Negate(string value)
            => Regex.IsMatch(value, @"^[\w.]+$", RegexOptions.CultureInvariant) ? "-" + value : "-(" + value + ")";

        // After an if or loop: an adjoint it writes may no longer be zero.
        private static void Forget(CodeBlock block, HashSet<string> zero)
        {
            if (zero.Count == 0)
            {
                return;
            }

            foreach (var name in zero.ToList())
            {
                if (Writes(block, name))
                {
                    zero.Remove(name);
                }
            }
        }

        private static bool Writes(CodeBlock block, string name) => block.Nodes.Any(node => node switch
        {
            CodeLine line => s_assignment.Match(line.Text) is { Success: true } m && m.Groups["name"].Value == name,
            CodeSlot slot => Writes(slot.Block, name),
            CodeIf branch => Writes(branch.Then, name) || Writes(branch.Else, name),
            CodeLoop loop => Writes(loop.Body, name),
            _ => false,
        });

        private static bool Mentions(string text, string name) => Regex.IsMatch(text, @"\b" + Regex.Escape(name) + @"\b", RegexOptions.CultureInvariant);
    }
}
