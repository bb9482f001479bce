using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace AutoDiff;

/// <summary>
/// A last-in, first-out stack of values, used by generated backward methods to store values that the
/// forward sweep overwrites (in a loop) so that the reverse sweep can restore them: the forward sweep
/// pushes a value before overwriting it, the reverse sweep pops it back in reverse order.
/// </summary>
/// <typeparam name="T">The element type: a value, a loop counter or a branch taken.</typeparam>
/// <remarks>
/// <para>
/// The tape starts in a caller-provided buffer, normally <c>stackalloc T[N]</c>, so that a tape that fits
/// in it never touches the heap. When it overflows, the tape rents an array of twice the size from
/// <see cref="ArrayPool{T}.Shared"/>, copies its contents there and returns the previously rented array
/// (if any), so pushes are amortized constant time and nothing is allocated per push.
/// </para>
/// <para>
/// Generated code disposes the tape in a <c>finally</c> block, so the rented array goes back to the pool
/// even when the method throws:
/// </para>
/// <code>
/// var tape = new Tape&lt;double&gt;(stackalloc double[256]);
/// try
/// {
///     // forward sweep: tape.Push(x) before x is overwritten
///     // reverse sweep: x = tape.Pop()
/// }
/// finally
/// {
///     tape.Dispose();
/// }
/// </code>
/// <para>
/// Hand-written code may do the same with <c>using var tape = new Tape&lt;double&gt;(stackalloc double[256]);</c>.
/// A <see cref="Tape{T}"/> is a <see langword="ref"/> struct: pass it by <see langword="ref"/>, never by value,
/// since a copy shares the rented array but not the count.
/// </para>
/// </remarks>
public ref struct Tape<T>
    where T : unmanaged
{
    /// <summary>The largest array length the runtime allows (<c>Array.MaxLength</c> on .NET 6 and later).</summary>
    private const int MaxArrayLength = 0x7FFFFFC7;

    /// <summary>The smallest array rented when the initial buffer is empty or tiny.</summary>
    private const int MinimumRentLength = 16;

    /// <summary>Where the values live: the initial buffer, then the rented array.</summary>
    private Span<T> _buffer;

    /// <summary>The array rented from the pool, or <see langword="null"/> while the initial buffer suffices.</summary>
    private T[]? _rented;

    /// <summary>The number of values on the tape.</summary>
    private int _count;

    /// <summary>
    /// Creates an empty tape that stores its first values in <paramref name="initialBuffer"/>
    /// (typically <c>stackalloc T[N]</c>; it may be empty) and rents pooled memory once they do not fit.
    /// </summary>
    /// <param name="initialBuffer">The memory to use before renting; the tape owns it until it is disposed.</param>
    public Tape(Span<T> initialBuffer)
    {
        _buffer = initialBuffer;
        _rented = null;
        _count = 0;
    }

    /// <summary>Gets the number of values on the tape (pushed and not yet popped).</summary>
    public readonly int Count => _count;

    /// <summary>Pushes <paramref name="value"/> onto the tape.</summary>
    /// <param name="value">The value to store.</param>
    /// <remarks>Allocates nothing while the values fit in the current buffer; otherwise rents a buffer twice as large.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(T value)
    {
        int count = _count;
        Span<T> buffer = _buffer;
        if ((uint)count < (uint)buffer.Length)
        {
            buffer[count] = value;
            _count = count + 1;
        }
        else
        {
            PushWithGrowth(value);
        }
    }

    /// <summary>Removes and returns the value pushed last.</summary>
    /// <returns>The value most recently pushed and not yet popped.</returns>
    /// <exception cref="InvalidOperationException">The tape is empty. Generated code pops exactly what it pushed, so it never pops an empty tape.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Pop()
    {
        int index = _count - 1;
        Span<T> buffer = _buffer;
        if ((uint)index < (uint)buffer.Length)
        {
            _count = index;
            return buffer[index];
        }

        return ThrowEmpty();
    }

    /// <summary>
    /// Returns the rented array, if any, to <see cref="ArrayPool{T}.Shared"/> and leaves the tape empty.
    /// Calling it again does nothing.
    /// </summary>
    /// <remarks>Do not use the tape after disposing it: a later push would rent again, and that array would not be returned.</remarks>
    public void Dispose()
    {
        T[]? rented = _rented;
        _rented = null;
        _buffer = default;
        _count = 0;
        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>The slow path of <see cref="Push"/>: grows the buffer, then stores <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PushWithGrowth(T value)
    {
        Grow();
        _buffer[_count] = value;
        _count++;
    }

    /// <summary>Rents an array twice as large as the current buffer, moves the values there and returns the old array.</summary>
    private void Grow()
    {
        int length = _buffer.Length;
        if (length >= MaxArrayLength)
        {
            throw new InvalidOperationException($"The tape cannot hold more than {MaxArrayLength} values.");
        }

        long doubled = Math.Max(2L * length, MinimumRentLength);
        int newLength = (int)Math.Min(doubled, MaxArrayLength);

        T[] array = ArrayPool<T>.Shared.Rent(newLength);
        _buffer.Slice(0, _count).CopyTo(array);

        T[]? previous = _rented;
        _rented = array;
        _buffer = array;
        if (previous is not null)
        {
            ArrayPool<T>.Shared.Return(previous);
        }
    }

    /// <summary>Throws the exception for popping an empty tape; kept out of line so that <see cref="Pop"/> stays small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T ThrowEmpty() =>
        throw new InvalidOperationException("Pop was called on an empty tape.");
}
