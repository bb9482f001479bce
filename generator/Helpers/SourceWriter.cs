using System;
using System.Text;

namespace AutoDiff.Generators.Helpers;

/// <summary>A small indent-tracking text writer for emitting C#; cheaper and more readable than syntax trees.</summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder _sb = new();

    public int Indentation { get; set; }

    public void WriteLine(string text)
    {
        if (text.Length == 0)
        {
            _sb.Append('\n');
            return;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                _sb.Append(' ', Indentation * IndentSize);
            }

            _sb.Append(line.TrimEnd('\r')).Append('\n');
        }
    }

    public void WriteLine() => _sb.Append('\n');

    public void OpenBlock(string header)
    {
        WriteLine(header);
        WriteLine("{");
        Indentation++;
    }

    public void CloseBlock(string suffix = "")
    {
        Indentation--;
        WriteLine("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
