using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AutoDiff.Generators;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AutoDiff.Tests.Diagnostics;

/// <summary>
/// Every AUTODIFF diagnostic: ID, severity and exact span, marked inline as <c>{|AUTODIFF001:...|}</c>. All cases are
/// files of one compilation (one file and namespace per case) so that the analyzer and generator run once. Valid code
/// gets no diagnostic, and the generator emits no backward method for a method with an error.
/// </summary>
/// <remarks>
/// Convention: the method that has the error is named <c>F</c>; other methods of a case are valid.
/// </remarks>
public sealed class DiagnosticTests
{
    /// <summary>The severity of each ID, written out here so that a change of the descriptors is caught.</summary>
    private static readonly Dictionary<string, DiagnosticSeverity> s_severities = new()
    {
        ["AUTODIFF001"] = DiagnosticSeverity.Error,
        ["AUTODIFF002"] = DiagnosticSeverity.Error,
        ["AUTODIFF003"] = DiagnosticSeverity.Error,
        ["AUTODIFF004"] = DiagnosticSeverity.Error,
        ["AUTODIFF005"] = DiagnosticSeverity.Error,
        ["AUTODIFF006"] = DiagnosticSeverity.Warning,
        ["AUTODIFF007"] = DiagnosticSeverity.Warning,
        ["AUTODIFF008"] = DiagnosticSeverity.Error,
        ["AUTODIFF009"] = DiagnosticSeverity.Error,
        ["AUTODIFF010"] = DiagnosticSeverity.Warning,
        ["AUTODIFF011"] = DiagnosticSeverity.Error,
        ["AUTODIFF012"] = DiagnosticSeverity.Error,
        ["AUTODIFF013"] = DiagnosticSeverity.Error,
        ["AUTODIFF014"] = DiagnosticSeverity.Error,
        ["AUTODIFF015"] = DiagnosticSeverity.Warning,
        ["AUTODIFF016"] = DiagnosticSeverity.Error,
        ["AUTODIFF030"] = DiagnosticSeverity.Error,
        ["AUTODIFF900"] = DiagnosticSeverity.Error,
    };

    private static readonly Dictionary<string, string> s_cases = new()
    {
        // ---- AUTODIFF001: a call to a method with neither [Differentiable] nor a derivative rule ------------------
        ["CallToPlainMethod"] = """
            public static partial class C
            {
                static double Helper(double x) => x * 2;
                [Differentiable] public static double F(double x) => {|AUTODIFF001:Helper(x)|} + 1;
            }
            """,
        ["CallToMathFunctionWithoutRule"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x) => x * {|AUTODIFF001:Math.IEEERemainder(x, 3.0)|};
            }
            """,
        ["CallToInstanceMethodOfAnotherObject"] = """
            public sealed class Scaler { public double Scale(double v) => v * 3; }
            public partial class C
            {
                private readonly Scaler _scaler = new();
                [Differentiable] public double F(double x) { var s = {|AUTODIFF001:_scaler.Scale(x)|}; return s * x; }
            }
            """,
        ["CallInAStatementOfAnIf"] = """
            public static partial class C
            {
                static double Helper(double x) => x * 2;
                [Differentiable]
                public static double F(double x)
                {
                    var r = x;
                    if (x > 0)
                    {
                        r = {|AUTODIFF001:Helper(r)|};
                    }
                    return r;
                }
            }
            """,

        // ---- AUTODIFF002: constructs that cannot be differentiated (yet) -----------------------------------------
        // Loops are differentiable; what stays unsupported in and around them is reported at the construct.
        ["WriteIntoParameterArray"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double[] xs)
                {
                    for (var i = 0; i < xs.Length; i++)
                    {
                        {|AUTODIFF002:xs[i] = xs[i] * 2|};
                    }
                    return xs[0];
                }
            }
            """,
        ["WriteIntoParameterSpan"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(System.Span<double> xs)
                {
                    {|AUTODIFF002:xs[0] += 1|};
                    return xs[0] * xs[0];
                }
            }
            """,
        ["WriteIntoAliasOfParameter"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double[] xs)
                {
                    var alias = xs;
                    {|AUTODIFF002:alias[0] = 3|};
                    return xs[0];
                }
            }
            """,
        ["BufferAllocatedInsideLoop"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double[] xs)
                {
                    var s = 0.0;
                    for (var i = 0; i < xs.Length; i++)
                    {
                        var buffer = {|AUTODIFF002:new double[2]|};
                        buffer[0] = xs[i];
                        s += buffer[0];
                    }
                    return s;
                }
            }
            """,
        ["ReassignedBuffer"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double[] xs)
                {
                    var buffer = new double[2];
                    {|AUTODIFF002:buffer = new double[3]|};
                    buffer[0] = xs[0];
                    return buffer[0];
                }
            }
            """,
        ["ForeachOverList"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, [NoGrad] System.Collections.Generic.List<double> weights)
                {
                    var r = 0.0;
                    {|AUTODIFF002:foreach (var w in weights) { r += w * x; }|}
                    return r;
                }
            }
            """,
        ["LoopThatNeverExits"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    {|AUTODIFF002:while (true) { x = x * 2; }|}
                }
            }
            """,
        ["BreakOutOfSwitchInLoop"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    var r = x;
                    for (var i = 0; i < n; i++)
                    {
                        switch (i)
                        {
                            case 1:
                                if (r > 3) {|AUTODIFF002:break;|}
                                r = r * x;
                                break;
                        }
                    }
                    return r;
                }
            }
            """,
        ["Goto"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    var r = x;
                    if (x > 0) {|AUTODIFF002:goto done;|}
                    r = r * r;
                    {|AUTODIFF002:done: return r;|}
                }
            }
            """,
        ["TryCatch"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    var r = x;
                    {|AUTODIFF002:try { r = x * x; } catch (Exception) { r = 0; }|}
                    return r;
                }
            }
            """,
        ["TryFinally"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    var r = x;
                    {|AUTODIFF002:try { r = x * x; } finally { r += 1; }|}
                    return r;
                }
            }
            """,
        ["Lambda"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    Func<double, double> g = {|AUTODIFF002:v => v * x|};
                    return g(2.0);
                }
            }
            """,
        ["Linq"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y, [NoGrad] double[] c) => x * {|AUTODIFF002:c.Sum()|} + y;
            }
            """,
        ["UnsafeBlock"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    var r = x;
                    {|AUTODIFF002:unsafe { r = x * 2; }|}
                    return r;
                }
            }
            """,
        ["UnsafePointer"] = """
            public static unsafe partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    double* p = {|AUTODIFF002:&x|};
                    return {|AUTODIFF002:*p|} * 2;
                }
            }
            """,
        ["RefLocal"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    // Each read of the ref local is reported too (the implementation's choice; one per use).
                    ref double {|AUTODIFF002:r = ref x|};
                    return {|AUTODIFF002:r|} * 2;
                }
            }
            """,
        ["StringIntoResult"] = """
            public static partial class C
            {
                // The first call without a derivative on the path from x is x.ToString(): that is where the gradient is lost.
                [Differentiable] public static double F(double x) => double.Parse({|AUTODIFF001:x.ToString(System.Globalization.CultureInfo.InvariantCulture)|}, System.Globalization.CultureInfo.InvariantCulture);
            }
            """,
        ["ObjectIntoResult"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    object o = {|AUTODIFF002:x|};
                    return (double)o * 2;
                }
            }
            """,
        // A guard (if (c) throw ...;) is copied into the backward; any other throw is an error at the throw.
        ["ThrowStatementOutsideAGuard"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    double y = x * x;
                    if (x < 0) { y = 0; {|AUTODIFF002:throw new ArgumentOutOfRangeException(nameof(x));|} }
                    return y;
                }
            }
            """,
        ["ThrowStatementInAnElseBranch"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    if (x >= 0) { x = x * 2; } else {|AUTODIFF002:throw new ArgumentOutOfRangeException(nameof(x));|}
                    return x * x;
                }
            }
            """,
        ["LocalFunction"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    return Square(x);
                    {|AUTODIFF002:static double Square(double v) => v * v;|}
                }
            }
            """,
        ["GenericMethod"] = """
            public static partial class C
            {
                [Differentiable] public static double F{|AUTODIFF002:<T>|}(double x) => x * x;
            }
            """,

        // ---- AUTODIFF003: the type, or a containing type, is not partial ------------------------------------------
        ["NonPartialClass"] = """
            public static class C
            {
                [Differentiable] public static double {|AUTODIFF003:F|}(double x) => x * x;
            }
            """,
        ["NonPartialClassStillReportsTheBodysErrors"] = """
            public static class C
            {
                static double Helper(double x) => x;
                [Differentiable]
                public static double {|AUTODIFF003:F|}(double x)
                {
                    {|AUTODIFF002:try { x = x * 2; } finally { }|}
                    return {|AUTODIFF001:Helper(x)|};
                }
            }
            """,
        ["EveryErrorOfAMethodInOneBuild"] = """
            public static partial class C
            {
                static double Helper(double x) => x;
                [Differentiable]
                public static double F(double x)
                {
                    double a = {|AUTODIFF001:Helper(x)|};
                    double b = x * 2;
                    {|AUTODIFF002:lock (new object()) { b += 1; }|}
                    // a is not varied any more (Helper's result is where the gradient was lost): no follow-on error here.
                    double c = b + Helper(a);
                    return c * c + a;
                }
            }
            """,
        ["NonPartialStruct"] = """
            public struct S
            {
                [Differentiable] public double {|AUTODIFF003:F|}(double x) => x * x;
            }
            """,
        ["NonPartialContainingType"] = """
            public class Outer
            {
                public static partial class Inner
                {
                    [Differentiable] public static double {|AUTODIFF003:F|}(double x) => x * x;
                }
            }
            """,

        // ---- AUTODIFF004: the return type is neither double nor float ---------------------------------------------
        ["ReturnsInt"] = """
            public static partial class C
            {
                [Differentiable] public static {|AUTODIFF004:int|} F(double x) => (int)x;
            }
            """,
        ["ReturnsDecimal"] = """
            public static partial class C
            {
                // The parameter holds floating-point data the generator does not differentiate, too: both are reported.
                [Differentiable] public static {|AUTODIFF004:decimal|} F({|AUTODIFF002:decimal x|}) => x * x;
            }
            """,
        ["ReturnsVoid"] = """
            public static partial class C
            {
                [Differentiable] public static {|AUTODIFF004:void|} F(double x) { }
            }
            """,
        ["ReturnsArray"] = """
            public static partial class C
            {
                [Differentiable] public static {|AUTODIFF004:double[]|} F(double x) => new[] { x };
            }
            """,

        // ---- AUTODIFF005: ref and out parameters ------------------------------------------------------------------
        ["RefParameter"] = """
            public static partial class C
            {
                [Differentiable] public static double F({|AUTODIFF005:ref double x|}) => x * x;
            }
            """,
        ["OutParameter"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double y, {|AUTODIFF005:out double x|}) { x = y; return y * y; }
            }
            """,

        // ---- AUTODIFF006: the result depends on no differentiable parameter (warning: the backward is still emitted)
        ["ConstantResult"] = """
            public static partial class C
            {
                [Differentiable] public static double {|AUTODIFF006:F|}(double x) => 3.0;
            }
            """,
        ["OnlyNoGradParameters"] = """
            public static partial class C
            {
                [Differentiable] public static double {|AUTODIFF006:F|}([NoGrad] double x) => x * 2;
            }
            """,
        ["OnlyIntParameters"] = """
            public static partial class C
            {
                [Differentiable] public static double {|AUTODIFF006:F|}(int n) => n * 2.0;
            }
            """,
        ["ResultOverwrittenByConstant"] = """
            public static partial class C
            {
                [Differentiable]
                public static double {|AUTODIFF006:F|}(double x)
                {
                    var r = x * x;
                    r = 4;
                    return r;
                }
            }
            """,

        // ---- AUTODIFF007: the gradient stops at a piecewise-constant operation (warning) --------------------------
        ["Floor"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => {|AUTODIFF007:Math.Floor(x)|} * y + x;
            }
            """,
        ["Round"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => {|AUTODIFF007:Math.Round(x)|} * y + x;
            }
            """,
        ["Sign"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => {|AUTODIFF007:Math.Sign(x)|} * y + x;
            }
            """,
        ["CastToInt"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => {|AUTODIFF007:(int)x|} * y + x;
            }
            """,
        ["CastToLongInALocal"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    long n = {|AUTODIFF007:(long)(x * 3)|};
                    return n + x;
                }
            }
            """,
        ["FloorOfMathF"] = """
            public static partial class C
            {
                [Differentiable] public static float F(float x) => {|AUTODIFF007:MathF.Floor(x)|} + x;
            }
            """,

        // ---- AUTODIFF008: the backward's name and signature are taken --------------------------------------------
        ["BackwardNameTaken"] = """
            public static partial class C
            {
                [Differentiable] public static double {|AUTODIFF008:F|}(double x) => x * x;
                public static double FBackward(double x, double seed, out double gradX) { gradX = 0; return 0; }
            }
            """,

        // ---- AUTODIFF009: no body --------------------------------------------------------------------------------
        ["Abstract"] = """
            public abstract partial class C
            {
                [Differentiable] public abstract double {|AUTODIFF009:F|}(double x);
            }
            """,
        ["Extern"] = """
            public static partial class C
            {
                [Differentiable] [System.Runtime.InteropServices.DllImport("m")] public static extern double {|AUTODIFF009:F|}(double x);
            }
            """,
        ["Interface"] = """
            public partial interface I
            {
                [Differentiable] double {|AUTODIFF002:{|AUTODIFF009:F|}|}(double x);
            }
            """,

        // ---- AUTODIFF010: a varied value passed to a [NoGrad] parameter of a [Differentiable] callee (warning) -----
        ["VariedIntoNoGradParameter"] = """
            public static partial class C
            {
                [Differentiable] public static double G(double x, [NoGrad] double k) => k * x;
                [Differentiable] public static double F(double x) => {|AUTODIFF010:G(x, x)|};
            }
            """,

        // ---- AUTODIFF011-016: [DerivativeOf] registrations, each reported at the attribute ----------------------------
        ["DerivativeTargetNotFound"] = """
            public static partial class C
            {
                public static double G(double x) => x * x;
                [{|AUTODIFF011:DerivativeOf("H")|}]
                public static double HBackward(double x, double seed, out double gradX) { gradX = seed * 2 * x; return x * x; }
            }
            """,
        ["DerivativeTargetNotFoundInOtherType"] = """
            public static partial class C
            {
                [{|AUTODIFF011:DerivativeOf(typeof(Math), "Cube")|}]
                public static double CubeBackward(double x, double seed, out double gradX) { gradX = seed * 3 * x * x; return x * x * x; }
            }
            """,
        ["DerivativeTargetIsAProperty"] = """
            public static partial class C
            {
                public static double G => 2.0;
                [{|AUTODIFF011:DerivativeOf(nameof(G))|}]
                public static double GBackward(double x, double seed, out double gradX) { gradX = seed; return x; }
            }
            """,
        ["DerivativeOverloadNotSelected"] = """
            public static class Util
            {
                public static double Blend(double x) => x;
                public static double Blend(double x, double y) => x + y;
            }
            public static partial class C
            {
                [{|AUTODIFF012:DerivativeOf(typeof(Util), nameof(Util.Blend))|}]
                public static double BlendBackward(float x, double seed, out double gradX) { gradX = seed; return x; }
            }
            """,
        ["DerivativeOverloadPrefixMatchesOnlyTheShorter"] = """
            public static class Util
            {
                public static double Blend(double x) => x * x;
                public static double Blend(double x, double t) => (1 - t) * x + t * x * x;
            }
            public static partial class C
            {
                // float t: the leading types (double) are those of Blend(double), but the rest follows Blend(double, double).
                [{|AUTODIFF012:DerivativeOf(typeof(Util), nameof(Util.Blend))|}]
                public static double BlendBackward(double x, float t, double seed, out double gradX, out double gradT)
                {
                    gradX = seed * ((1 - t) + 2 * t * x);
                    gradT = seed * (x * x - x);
                    return Util.Blend(x, t);
                }
            }
            """,
        ["DerivativeOverloadPickedAmongSeveral"] = """
            public static class Util
            {
                public static double Blend(double x) => x * x;
                public static double Blend(double x, double t) => (1 - t) * x + t * x * x;
                public static double Blend(float x, double t) => x + t;
            }
            public static class Rules
            {
                [DerivativeOf(typeof(Util), nameof(Util.Blend))]
                public static double BlendBackward(double x, double t, double seed, out double gradX, out double gradT)
                {
                    gradX = seed * ((1 - t) + 2 * t * x);
                    gradT = seed * (x * x - x);
                    return Util.Blend(x, t);
                }
            }
            public static partial class C
            {
                [Differentiable] public static double F(double x, double t) => Util.Blend(x, t) * x;
            }
            """,
        ["DerivativeSignatureMissingGradient"] = """
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Math), nameof(Math.Cbrt))|}]
                public static double CbrtBackward(double x, double seed) => Math.Cbrt(x);
            }
            """,
        ["DerivativeSignatureGradientForInt"] = """
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Math), nameof(Math.ScaleB))|}]
                public static double ScaleBBackward(double x, int n, double seed, out double gradX, out double gradN)
                {
                    gradX = seed * Math.ScaleB(1.0, n);
                    gradN = 0;
                    return Math.ScaleB(x, n);
                }
            }
            """,
        ["DerivativeSignatureSpanGradient"] = """
            public static class Util
            {
                public static double Sum(double[] w) => w[0] + w[1];
            }
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Util), nameof(Util.Sum))|}]
                public static double SumBackward(double[] w, double seed, out double gradW) { gradW = seed; return Util.Sum(w); }
            }
            """,
        ["DerivativeSignatureNotStatic"] = """
            public partial class C
            {
                public static double G(double x) => x * x;
                [{|AUTODIFF013:DerivativeOf(nameof(G))|}]
                public double GBackward(double x, double seed, out double gradX) { gradX = seed * 2 * x; return x * x; }
            }
            """,
        ["DerivativeOfMethodReturningInt"] = """
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Math), nameof(Math.ILogB))|}]
                public static int ILogBBackward(double x, int seed, out double gradX) { gradX = 0; return Math.ILogB(x); }
            }
            """,
        ["DerivativeOfInstanceMethodOfAnotherType"] = """
            public sealed class Scaler
            {
                public double K;
                public double Scale(double v) => K * v;
            }
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Scaler), nameof(Scaler.Scale))|}]
                public static double ScaleBackward(double v, double seed, out double gradV) { gradV = seed; return v; }
            }
            """,
        ["DerivativeLessAccessibleThanTarget"] = """
            public static partial class C
            {
                [{|AUTODIFF013:DerivativeOf(typeof(Math), nameof(Math.ScaleB))|}]
                private static double ScaleBBackward(double x, int n, double seed, out double gradX) { gradX = seed * Math.ScaleB(1.0, n); return Math.ScaleB(x, n); }
            }
            """,
        ["DerivativePrivateForAPrivateTarget"] = """
            public static partial class C
            {
                private static double G(double x) => x * x;
                [DerivativeOf(nameof(G))]
                private static double GBackward(double x, double seed, out double gradX) { gradX = seed * 2 * x; return x * x; }
                [Differentiable] public static double F(double x) => G(x) + x;
            }
            """,
        ["DuplicateDerivative"] = """
            public static partial class C
            {
                public static double G(double x) => x * x;
                [DerivativeOf(nameof(G))]
                public static double GBackward(double x, double seed, out double gradX) { gradX = seed * 2 * x; return x * x; }
                [{|AUTODIFF014:DerivativeOf(nameof(G))|}]
                public static double GOtherBackward(double x, double seed, out double gradX) { gradX = seed * (x + x); return x * x; }
            }
            """,
        ["DerivativeShadowsMathRule"] = """
            public static partial class C
            {
                [{|AUTODIFF015:DerivativeOf(typeof(Math), nameof(Math.Sin))|}]
                public static double SinBackward(double x, double seed, out double gradX) { gradX = seed * Math.Cos(x); return Math.Sin(x); }
                [Differentiable] public static double F(double x) => Math.Sin(x) * x;
            }
            """,
        ["DerivativeShadowsGeneratedBackward"] = """
            public static partial class C
            {
                [Differentiable] public static double Square(double x) => x * x;
                [{|AUTODIFF015:DerivativeOf(nameof(Square))|}]
                public static double SquareByHand(double x, double seed, out double gradX) { gradX = seed * 2 * x; return x * x; }
                [Differentiable] public static double F(double x) => Square(x) + x;
            }
            """,
        // A call that may store what it is handed makes later calls with varied values suspect (found writing the losses).
        ["CallsAfterACallThatMayStore"] = """
            public static partial class C
            {
                static void Inspect(ReadOnlySpan<double> s) { }
                static void Note(double v) { }
                [Differentiable] public static double F(double[] input)
                {
                    {|AUTODIFF001:Inspect(input)|};
                    double x = input[0];
                    {|AUTODIFF001:Note(x)|};
                    return x * x;
                }
            }
            """,
        // ---- AUTODIFF030: a call of a [Differentiable] method that gets no backward (it has errors) ---------------
        ["CallOfAMethodWithErrors"] = """
            public static partial class C
            {
                static double Helper(double x) => x * 2;
                [Differentiable] public static double G(double x) => {|AUTODIFF001:Helper(x)|} + 1;
                [Differentiable] public static double F(double x) => {|AUTODIFF030:G(x)|} * 2;
            }
            """,
        ["CallOfAMethodThatCallsOneWithErrors"] = """
            public static partial class C
            {
                static double Helper(double x) => x * 2;
                [Differentiable] public static double G(double x) => {|AUTODIFF001:Helper(x)|} + 1;
                [Differentiable] public static double F(double x) => {|AUTODIFF030:G(x)|} * 2;
                [Differentiable] public static double H(double x) => x + {|AUTODIFF030:F(x)|};
                [Differentiable] public static double Fine(double x) => x * x;
                [Differentiable] public static double UsesFine(double x) => Fine(x) + x;
            }
            """,
        ["CallOfAMethodWithErrorsInAnotherType"] = """
            public static partial class Helpers
            {
                [Differentiable] public static double G(double x) { {|AUTODIFF002:using var ms = new System.IO.MemoryStream();|} return x * x; }
            }
            public static partial class C
            {
                [Differentiable] public static double F(double x) => {|AUTODIFF030:Helpers.G(x)|} * 2;
            }
            """,
        ["DerivativeOnlyThrows"] = """
            public static partial class C
            {
                public static double G(double x) => x * x;
                [{|AUTODIFF016:DerivativeOf(nameof(G))|}]
                public static double GBackward(double x, double seed, out double gradX) => throw new NotImplementedException();
            }
            """,
        ["DerivativeOnlyThrowsInABlock"] = """
            public static partial class C
            {
                public static double G(double x, [NoGrad] double k) => k * x;
                [{|AUTODIFF016:DerivativeOf(nameof(G))|}]
                public static double GBackward(double x, double k, double seed, out double gradX)
                {
                    // TODO: complete the derivative
                    throw new NotImplementedException("Complete the derivative of G");
                }
            }
            """,
        ["RegisteredDerivativeResolvesCalls"] = """
            public static class Util
            {
                public static double Smooth(double x) => Math.Log(1 + Math.Exp(x));
            }
            public static class Rules
            {
                [DerivativeOf(typeof(Util), nameof(Util.Smooth))]
                public static double SmoothBackward(double x, double seed, out double gradX) { var e = Math.Exp(x); gradX = seed * e / (1 + e); return Math.Log(1 + e); }
                [DerivativeOf(typeof(Math), nameof(Math.ScaleB))]
                public static double ScaleBBackward(double x, int n, double seed, out double gradX) { gradX = seed * Math.ScaleB(1.0, n); return Math.ScaleB(x, n); }
            }
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => Util.Smooth(x * y) + Math.ScaleB(x, 3);
            }
            """,

        // ---- Suppression: a warning disabled with #pragma is not reported ------------------------------------------
        ["PragmaSuppressesWarning"] = """
            public static partial class C
            {
            #pragma warning disable AUTODIFF007
                [Differentiable] public static double F(double x, double y) => Math.Floor(x) * y + x;
            #pragma warning restore AUTODIFF007
            }
            """,

        // ---- Valid code: no diagnostic at all --------------------------------------------------------------------
        ["ValidLoops"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, double[] xs, [NoGrad] double[] weights)
                {
                    var r = 1.0;
                    for (var i = 0; i < 3; i++) r *= x;
                    while (r < 10) r = r * 2;
                    do { r = r * 1.5; } while (r < 20);
                    foreach (var w in weights) { r += w * x; }
                    Span<double> buffer = stackalloc double[xs.Length];
                    for (var i = 0; i < xs.Length; i++)
                    {
                        if (xs[i] < 0) continue;
                        buffer[i] = xs[i] * r;
                        if (buffer[i] > 100) break;
                    }
                    var s = 0.0;
                    foreach (var b in buffer) s += b * b;
                    return s;
                }
            }
            """,
        ["ValidEverything"] = """
            public enum Kind { A, B }
            public static partial class C
            {
                private const double K = 2;
                static double Helper(double v) => v * 3;
                [Differentiable] public static double G(double x, [NoGrad] double k) => k * x;
                [Differentiable]
                public static double F(double x, double y, [NoGrad] double t, int n, bool b, Kind kind)
                {
                    const double half = 0.5;
                    var r = x * y + K * half;
                    r += Math.Sin(x) * Helper(t) * Helper(3.0);
                    r *= n;
                    if (b && x > y || !(t < 0)) r = -r;
                    r += kind == Kind.A ? x : y;
                    r += n switch { 0 => x, 1 => y, _ => x * y };
                    r += G(x, t) + G(y, 2 * t);
                    return r > 0 ? r : r * r;
                }
            }
            """,
        ["ValidUserMethodNamedLikeBackwardWithOtherSignature"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x) => x * x;
                public static double FBackward(double x) => x;
            }
            """,
        // ---- Parameters that hold floating-point data the generator does not differentiate: [NoGrad] or an error --
        ["StructParameterWithDoubles"] = """
            public struct Vec2 { public double X, Y; }
            public static partial class C
            {
                [Differentiable] public static double F({|AUTODIFF002:Vec2 p|}, double s) => p.X * s + p.Y;
            }
            """,
        ["DelegateParameter"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, {|AUTODIFF002:Func<double, double> f|}) => x * x;
            }
            """,
        ["ListAndObjectParameters"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, {|AUTODIFF002:System.Collections.Generic.List<double> l|}, {|AUTODIFF002:object o|}) => x * x;
            }
            """,
        ["ArrayParameterReassignedInALoop"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double[] x, [NoGrad] double[] z)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) { s += x[i] * x[i]; {|AUTODIFF002:x = z|}; }
                    return s;
                }
            }
            """,
        ["ValidNoGradStructAndDataFreeParameters"] = """
            public struct Vec2 { public double X, Y; }
            public struct Counts { public int A; public long B; }
            public enum Mode { A, B }
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, [NoGrad] Vec2 p, [NoGrad] Func<double, double> f, Counts c, Mode m, string s, int[] ids, ReadOnlySpan<int> more, IComparable k)
                    => x * p.X + c.A + ids.Length + more.Length + s.Length;
            }
            """,
        // ---- Gradients that would be lost through objects, collections and helpers (no silent zero) -------------
        ["ListFilledThenSummedByHelper"] = """
            public static partial class C
            {
                static double Sum(System.Collections.Generic.List<double> l) { double s = 0; foreach (var v in l) s += v; return s; }
                [Differentiable]
                public static double F(double a, double b)
                {
                    var l = new System.Collections.Generic.List<double>();
                    {|AUTODIFF001:l.Add(a * a)|};
                    {|AUTODIFF001:l.Add(2 * b)|};
                    return Sum(l) + 0.01 * a;
                }
            }
            """,
        ["HelperReturningArray"] = """
            public static partial class C
            {
                static double[] Layer(double[] w, double x) => new[] { w[0] * x, w[1] * x };
                [Differentiable]
                public static double F(double[] w, double x)
                {
                    var h = {|AUTODIFF001:Layer(w, x)|};
                    return h[0] + h[1];
                }
            }
            """,
        ["HelperFillingALocalBuffer"] = """
            public static partial class C
            {
                static void Fill(double[] into, double x) { into[0] = x; into[1] = 2 * x; }
                [Differentiable]
                public static double F(double x)
                {
                    var buffer = new double[2];
                    {|AUTODIFF001:Fill(buffer, x)|};
                    return buffer[0] * buffer[1];
                }
            }
            """,
        ["ValidHelperFillingABufferWithConstants"] = """
            public static partial class C
            {
                static void Fill(double[] into, double v) { into[0] = v; into[1] = 2 * v; }
                [Differentiable]
                public static double F(double x)
                {
                    var buffer = new double[2];
                    Fill(buffer, 3.0);
                    return buffer[0] * x + buffer[1];
                }
            }
            """,
        ["ValidUnusedListOfVariedValues"] = """
            public static partial class C
            {
                [Differentiable]
                public static double F(double x)
                {
                    var log = new System.Collections.Generic.List<double>();
                    log.Add(x);
                    return x * x;
                }
            }
            """,
        ["ValidComparisonsAndBranchesNoWarning"] = """
            public static partial class C
            {
                [Differentiable] public static double F(double x, double y) => x > y ? x : (x == y ? 0.5 * (x + y) : y);
            }
            """,
    };

    private static readonly Lazy<(GeneratorRun Run, Dictionary<string, (SyntaxTree Tree, ImmutableArray<ExpectedDiagnostic> Expected)> Files)> s_batch = new(() =>
    {
        var files = new List<SourceFile>();
        var expected = new Dictionary<string, ImmutableArray<ExpectedDiagnostic>>();
        foreach (var (name, markup) in s_cases)
        {
            var (text, spans) = DiagnosticMarkup.Parse(Prefix(name) + markup);
            files.Add(new SourceFile(name + ".cs", text));
            expected[name] = spans;
        }

        var run = GeneratorHarness.Run(files.ToArray());
        var trees = run.InputCompilation.SyntaxTrees.ToDictionary(t => System.IO.Path.GetFileNameWithoutExtension(t.FilePath));
        return (run, expected.ToDictionary(e => e.Key, e => (trees[e.Key], e.Value)));
    });

    private static string Prefix(string name) => $"using System;\nusing System.Linq;\nusing AutoDiff;\n\nnamespace Cases.{name};\n\n";

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_exactly_the_marked_diagnostics(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, expected) = files[name];
        DiagnosticMarkup.Verify(run.AnalyzerDiagnostics, tree, expected, s_severities);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_emits_no_backward_for_a_method_with_an_error(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, expected) = files[name];
        var file = run.FindGeneratedFile($"Cases.{name}.C");
        var hasError = expected.Any(e => s_severities[e.Id] == DiagnosticSeverity.Error);
        if (hasError)
        {
            Assert.True(file is null || !file.Text.Contains(" FBackward("), $"A backward was generated for F despite an error:\n{file?.Text}");
        }
        else if (tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Any(m => m.Identifier.Text == "F"))
        {
            // Valid code and warnings: F gets its backward, and the generated code is clean.
            var type = s_cases[name].Contains("struct S", StringComparison.Ordinal) ? "S" : "C";
            var generated = run.FindGeneratedFile($"Cases.{name}.{type}");
            Assert.True(generated is not null && generated.Text.Contains(" FBackward("), $"No backward for F in {name}:\n{run.Describe()}");
            Assert.Empty(run.GeneratedCodeDiagnostics.Where(d => d.Location.SourceTree == generated!.SyntaxTree));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_reports_nothing_itself_and_does_not_throw(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, _) = files[name];
        Assert.Empty(run.GeneratorExceptions);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Location.GetLineSpan().Path == tree.FilePath));
    }

    [Theory]
    [InlineData("CallToPlainMethod", "mark it [Differentiable]")]
    [InlineData("CallToMathFunctionWithoutRule", "register one with [DerivativeOf] (the code fix writes its signature)")]
    [InlineData("HelperReturningArray", "does not return double or float")]
    [InlineData("ListFilledThenSummedByHelper", "register one with [DerivativeOf]")]
    public void AUTODIFF001_advises_only_what_can_be_done_to_that_callee(string name, string advice)
    {
        var (run, files) = s_batch.Value;
        var (tree, _) = files[name];
        var messages = run.AnalyzerDiagnostics.Where(d => d.Id == "AUTODIFF001" && d.Location.SourceTree == tree)
            .Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Contains(advice, m, StringComparison.Ordinal));
        if (!advice.StartsWith("mark it", StringComparison.Ordinal))
        {
            // BCL methods, methods that return arrays: the attribute cannot go there.
            Assert.All(messages, m => Assert.DoesNotContain("mark it [Differentiable]", m, StringComparison.Ordinal));
        }
    }

    // A message argument left out shows as '{1}' in the user's build (AUTODIFF001 of a storing call did).
    [Fact]
    public void Every_message_has_all_its_arguments()
    {
        var (run, _) = s_batch.Value;
        var unfilled = run.AnalyzerDiagnostics.Where(d => System.Text.RegularExpressions.Regex.IsMatch(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), @"\{[0-9]+\}")).ToList();
        Assert.True(unfilled.Count == 0, "Messages with unfilled placeholders:\n" + GeneratorHarness.Format(unfilled.Take(5)));
    }

    [Fact]
    public void Diagnostics_are_located_in_the_source_tree()
    {
        // A diagnostic at a file location (Location.Create(path, span, lineSpan)) rather than a source location
        // (tree.GetLocation(span)) shows no squiggle in the editor and escapes #pragma warning disable.
        var (run, _) = s_batch.Value;
        var notInSource = run.AnalyzerDiagnostics.Where(d => !d.Location.IsInSource || d.Location.SourceTree is null).ToList();
        Assert.True(notInSource.Count == 0, $"{notInSource.Count} of {run.AnalyzerDiagnostics.Length} diagnostics are not in source, e.g.:\n"
            + GeneratorHarness.Format(notInSource.Take(3)) + string.Join("\n", notInSource.Take(3).Select(d => "  Location kind: " + d.Location.Kind)));
    }

    [Fact]
    public void Test_sources_are_valid_CSharp_apart_from_what_is_marked()
    {
        var (run, _) = s_batch.Value;
        var errors = run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test sources themselves have errors:\n" + GeneratorHarness.Format(errors));
    }

    [Fact]
    public void Every_descriptor_has_a_test_case_and_a_help_link()
    {
        // The diagnostics of differentiable types (AUTODIFF017-024) have their cases in Types/DifferentiableTypeDiagnosticTests.
        // Those of forward mode (AUTODIFF040-043) in ForwardMode/ForwardDiagnosticTests.
        var all = string.Concat(s_cases.Values.Concat(Types.DifferentiableTypeDiagnosticTests.Cases.Values).Concat(ForwardMode.ForwardDiagnosticTests.Cases.Values));
        var severities = s_severities.Concat(Types.DifferentiableTypeDiagnosticTests.Severities).Concat(ForwardMode.ForwardDiagnosticTests.Severities)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value);
        foreach (var descriptor in DiagnosticDescriptors.All.Where(d => d.Id != "AUTODIFF900"))
        {
            Assert.True(all.Contains("{|" + descriptor.Id + ":", StringComparison.Ordinal), $"No test case for {descriptor.Id}");
            Assert.True(severities.ContainsKey(descriptor.Id), $"No expected severity for {descriptor.Id}");
            Assert.Equal(severities[descriptor.Id], descriptor.DefaultSeverity);
            Assert.EndsWith($"docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.Matches("^AUTODIFF[0-9]{3}$", descriptor.Id);
            Assert.True(descriptor.IsEnabledByDefault);
        }
    }

    [Fact]
    public void Reported_diagnostics_have_messages_that_name_the_construct()
    {
        var (run, _) = s_batch.Value;
        foreach (var d in run.AnalyzerDiagnostics)
        {
            var message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.DoesNotContain("{0}", message);
            Assert.DoesNotContain("{1}", message);
            Assert.EndsWith($"{d.Id}.md", d.Descriptor.HelpLinkUri);
        }

        string Message(string name) => run.AnalyzerDiagnostics
            .Single(d => System.IO.Path.GetFileNameWithoutExtension(d.Location.GetLineSpan().Path) == name)
            .GetMessage(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Contains("Helper", Message("CallToPlainMethod"));
        Assert.Contains("IEEERemainder", Message("CallToMathFunctionWithoutRule"));
        Assert.Contains("Floor", Message("Floor"));
        Assert.Contains("int", Message("CastToInt"));
        Assert.Contains("FBackward", Message("BackwardNameTaken"));
        Assert.Contains("'x'", Message("RefParameter"));
        Assert.Contains("int", Message("ReturnsInt"));
        Assert.Contains("Outer", Message("NonPartialContainingType"));
    }

    [Fact]
    public void DerivativeOf_messages_say_what_to_write()
    {
        var (run, _) = s_batch.Value;
        string Message(string name) => run.AnalyzerDiagnostics
            .Single(d => System.IO.Path.GetFileNameWithoutExtension(d.Location.GetLineSpan().Path) == name)
            .GetMessage(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("[DerivativeOf] names no method: 'C' has no method named 'H'; name a method of that type, e.g. with nameof(C.Method)",
            Message("DerivativeTargetNotFound"));
        Assert.Equal("[DerivativeOf] names no method: 'Math' has no method named 'Cube'; name a method of that type, e.g. with nameof(Math.Method)",
            Message("DerivativeTargetNotFoundInOtherType"));
        Assert.Equal("[DerivativeOf] cannot pick an overload of 'Util.Blend': 'C.BlendBackward' follows the backward convention of none of the 2 overloads. "
            + "The derivative's leading parameters (those before seed) select the overload with the same parameter types; write the signature of the one you mean: "
            + "'static double BlendBackward(double x, double seed, out double gradX)' for 'Blend(double)', "
            + "'static double BlendBackward(double x, double y, double seed, out double gradX, out double gradY)' for 'Blend(double, double)'",
            Message("DerivativeOverloadNotSelected"));
        Assert.Equal("[DerivativeOf] cannot pick an overload of 'Util.Blend': 'C.BlendBackward' follows the backward convention of none of the 2 overloads. "
            + "The derivative's leading parameters (those before seed) select the overload with the same parameter types; write the signature of the one you mean: "
            + "'static double BlendBackward(double x, double seed, out double gradX)' for 'Blend(double)', "
            + "'static double BlendBackward(double x, double t, double seed, out double gradX, out double gradT)' for 'Blend(double, double)'",
            Message("DerivativeOverloadPrefixMatchesOnlyTheShorter"));
        Assert.Equal("'C.CbrtBackward' cannot be the derivative of 'Math.Cbrt': its signature must be 'static double CbrtBackward(double x, double seed, out double gradX)'",
            Message("DerivativeSignatureMissingGradient"));
        Assert.Equal("'C.ScaleBBackward' cannot be the derivative of 'Math.ScaleB': its signature must be 'static double ScaleBBackward(double x, int n, double seed, out double gradX)'",
            Message("DerivativeSignatureGradientForInt"));
        Assert.Equal("'C.SumBackward' cannot be the derivative of 'Util.Sum': its signature must be 'static double SumBackward(double[] w, double seed, Span<double> gradW)'",
            Message("DerivativeSignatureSpanGradient"));
        Assert.Equal("'C.GBackward' cannot be the derivative of 'C.G': its signature must be 'static double GBackward(double x, double seed, out double gradX)'",
            Message("DerivativeSignatureNotStatic"));
        Assert.Equal("'C.ILogBBackward' cannot be the derivative of 'Math.ILogB': 'Math.ILogB' returns 'int'; only a method that returns double or float has a derivative",
            Message("DerivativeOfMethodReturningInt"));
        Assert.Equal("'C.ScaleBackward' cannot be the derivative of 'Scaler.Scale': 'Scaler.Scale' is an instance method, so its derivative must be an instance method of 'Scaler' "
            + "with the signature 'double ScaleBackward(double v, double seed, out double gradV)'",
            Message("DerivativeOfInstanceMethodOfAnotherType"));
        Assert.Equal("'C.ScaleBBackward' cannot be the derivative of 'Math.ScaleB': it is private and 'Math.ScaleB' is a public method of another type; make it internal or public, "
            + "so that every [Differentiable] method that calls 'Math.ScaleB' can call it",
            Message("DerivativeLessAccessibleThanTarget"));
        Assert.Equal("'C.G' already has a registered derivative, 'C.GBackward', so 'C.GOtherBackward' is not used; remove one of the two [DerivativeOf] attributes",
            Message("DuplicateDerivative"));
        Assert.Equal("'C.SinBackward' replaces the built-in derivative of 'Math.Sin' in every [Differentiable] method that calls it; if that is intended, suppress this warning",
            Message("DerivativeShadowsMathRule"));
        Assert.Equal("'C.SquareByHand' replaces the generated derivative of 'C.Square' in every [Differentiable] method that calls it; if that is intended, suppress this warning",
            Message("DerivativeShadowsGeneratedBackward"));
        Assert.Equal("'C.GBackward' only throws: complete the derivative of 'C.G': return its value and set each gradient to seed times the partial derivative "
            + "of the result with respect to that parameter (add it into a Span gradient)",
            Message("DerivativeOnlyThrows"));
    }

    [Fact]
    public void Calls_of_a_target_use_the_registered_derivative_even_where_a_rule_or_a_generated_backward_exists()
    {
        var (run, _) = s_batch.Value;
        Assert.Contains("global::Cases.DerivativeShadowsMathRule.C.SinBackward(x, ", run.GeneratedSourceFor("Cases.DerivativeShadowsMathRule.C"));
        Assert.Contains("global::Cases.DerivativeShadowsGeneratedBackward.C.SquareByHand(x, ", run.GeneratedSourceFor("Cases.DerivativeShadowsGeneratedBackward.C"));
        var resolved = run.GeneratedSourceFor("Cases.RegisteredDerivativeResolvesCalls.C");
        Assert.Contains("global::Cases.RegisteredDerivativeResolvesCalls.Rules.SmoothBackward(", resolved);
        Assert.Contains("global::Cases.RegisteredDerivativeResolvesCalls.Rules.ScaleBBackward(x, 3, ", resolved);
        Assert.Contains("global::Cases.DerivativeOverloadPickedAmongSeveral.Rules.BlendBackward(x, t, ", run.GeneratedSourceFor("Cases.DerivativeOverloadPickedAmongSeveral.C"));
    }

    [Fact]
    public void A_single_analyzer_run_reports_each_diagnostic_once()
    {
        var (run, _) = s_batch.Value;
        var duplicates = run.AnalyzerDiagnostics
            .GroupBy(d => (d.Id, d.Location.GetLineSpan().Path, d.Location.SourceSpan))
            .Where(g => g.Count() > 1)
            .Select(g => g.First())
            .ToList();
        Assert.True(duplicates.Count == 0, "Reported more than once:\n" + GeneratorHarness.Format(duplicates));
    }
}
