==== F(double, double), Ir.cs line 9 ====

---- source IR ----
method F(x: double, y: double): double              ; line 9
  param x: double  (gradient out gradX)
  param y: double  (gradient out gradY)
  local z: double
  z = x * y                                         ; line 11
  return Math.Sin(z) + x                            ; line 12

---- lowered (SSA) ----
method F(%0 x: double, %1 y: double): double        ; line 9
  %2 z: double = x * y                              ; line 11
  %3 t0: double = Math.Sin(z)                       ; line 12
  %4 t1: double = t0 + x                            ; line 12
  returns t1

