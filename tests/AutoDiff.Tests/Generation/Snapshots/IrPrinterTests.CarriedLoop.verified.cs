==== Horner(System.ReadOnlySpan<double>, double), Ir.cs line 32 ====

---- source IR ----
method Horner(c: System.ReadOnlySpan<double>, x: double): double  ; line 32
  param c: System.ReadOnlySpan<double>  (gradient added into span gradC)
  param x: double  (gradient out gradX)
  local p: double
  local i: int
  local broken: bool
  p = 0.0                                           ; line 34
  i = opaque<int>(c.Length) - 1                     ; line 35
  broken = false                                    ; line 35
  loop while !broken && i >= 0, break sets broken   ; line 35
    p = p * x + c[i]                                ; line 37
    if p > 1000000.0                                ; line 38
      break (broken = true)                         ; line 38
    step:
      if !broken                                    ; line 35
        i = i - 1                                   ; line 35
  return p                                          ; line 41

---- lowered (SSA) ----
method Horner(%0 c: System.ReadOnlySpan<double>, %1 x: double): double  ; line 32
  %2 i: int = opaque<int>(c.Length) - 1             ; line 35
  %3 broken: bool = false                           ; line 35
  loop L0                                           ; line 35
    %4 p: double = phi(0.0, p_1)                    ; line 35
    %5 i_1: int = phi(i, i_3)                       ; line 35
    %6 broken_1: bool = phi(broken, broken_2)       ; line 35
    while !broken_1 && i_1 >= 0                     ; line 35
    %7 t0: double = p * x                           ; line 37
    %8 t1: double = c[i_1]                          ; line 37
    %9 p_1: double = t0 + t1                        ; line 37
    if p_1 > 1000000.0                              ; line 38
      phi %10 broken_2: bool <- true                ; line 38
    else
      phi %10 broken_2: bool <- broken_1            ; line 38
    if !broken_2                                    ; line 35
      %11 i_2: int = i_1 - 1                        ; line 35
      phi %12 i_3: int <- i_2                       ; line 35
    else
      phi %12 i_3: int <- i_1                       ; line 35
  returns p

---- backward ----
checks:
    if gradC.Length != c.Length:
        throw new System.ArgumentException("gradC must have the length of c (" + c.Length + "), not " + gradC.Length + ".", "gradC")
tapes:
    intTape: Tape<int> (64 on the stack)
    doubleTape: Tape<double> (64 on the stack)
hoisted:
    let p: double
    let i_1: int
    let broken_1: bool
    let broken_2: bool
    let i_3: int
    let count0: int = 0
forward:
    // line 35: for (int i = c.Length - 1; i >= 0; i--)
    let i: int = c.Length - 1
    let broken: bool = false
    set p = 0.0
    set i_1 = i
    set broken_1 = broken
    set count0 = 0
    while !broken_1 && i_1 >= 0:
        // line 37: p = p * x + c[i];
        let t1: double = c[i_1]
        let p_1: double = p * x + t1
        // line 38: if (p > 1e6) break;
        if p_1 > 1000000.0:
            set broken_2 = true
        else:
            set broken_2 = broken_1
        // line 35: for (int i = c.Length - 1; i >= 0; i--)
        if !broken_2:
            // line 35: i--
            let i_2: int = i_1 - 1
            set i_3 = i_2
        else:
            set i_3 = i_1
        push doubleTape <- p
        set p = p_1
        push intTape <- i_1
        set i_1 = i_3
        set broken_1 = broken_2
        accumulate count0 += 1
    let value: double = p
reverse (seed seed):
    let dx: double = 0
    let dp: double = seed
    // line 35: for (int i = c.Length - 1; i >= 0; i--) (its iterations, last first)
    reverse for k0 from count0 - 1 down to 0:
        let dp_1: double = 0
        set dp_1 = dp
        set dp = 0
        // this iteration's values
        pop i_1 <- intTape
        pop p <- doubleTape
        // line 37: p = p * x + c[i];
        accumulate gradC[i_1] += dp_1
        set dp = dp_1 * x
        accumulate dx += dp_1 * p
gradients:
    set gradX = dx
returns value
