==== Piecewise(double, double), Ir.cs line 19 ====

---- source IR ----
method Piecewise(x: double, y: double): double      ; line 19
  param x: double  (gradient out gradX)
  param y: double  (gradient out gradY)
  local r: double
  if x > y                                          ; line 22
    r = x * x                                       ; line 22
  else
    r = x * y                                       ; line 23
  return x > 1.0 ? r : Math.Exp(r)                  ; line 24

---- lowered (SSA) ----
method Piecewise(%0 x: double, %1 y: double): double  ; line 19
  if x > y                                          ; line 22
    %2 r: double = x * x                            ; line 22
    phi %4 r_2: double <- r                         ; line 22
  else
    %3 r_1: double = x * y                          ; line 23
    phi %4 r_2: double <- r_1                       ; line 22
  if x > 1.0                                        ; line 24
    phi %5 t0: double <- r_2                        ; line 24
  else
    %6 t1: double = Math.Exp(r_2)                   ; line 24
    phi %5 t0: double <- t1                         ; line 24
  returns t0

