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
  %2 p: double = 0.0                                ; line 34
  %3 i: int = opaque<int>(c.Length) - 1             ; line 35
  %4 broken: bool = false                           ; line 35
  loop L0                                           ; line 35
    %5 p_1: double = phi(p, p_2)                    ; line 35
    %6 i_1: int = phi(i, i_3)                       ; line 35
    %7 broken_1: bool = phi(broken, broken_2)       ; line 35
    while !broken_1 && i_1 >= 0                     ; line 35
    %8 t0: double = p_1 * x                         ; line 37
    %9 t1: double = c[i_1]                          ; line 37
    %10 p_2: double = t0 + t1                       ; line 37
    if p_2 > 1000000.0                              ; line 38
      phi %11 broken_2: bool <- true                ; line 38
    else
      phi %11 broken_2: bool <- broken_1            ; line 38
    if !broken_2                                    ; line 35
      %12 i_2: int = i_1 - 1                        ; line 35
      phi %13 i_3: int <- i_2                       ; line 35
    else
      phi %13 i_3: int <- i_1                       ; line 35
  returns p_1

