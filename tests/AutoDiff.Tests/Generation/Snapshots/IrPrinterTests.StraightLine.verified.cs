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

---- backward ----
checks:
tapes: none
hoisted:
forward:
    // line 11: double z = x * y;
    let z: double = x * y
    // line 12: return Math.Sin(z) + x;
    let t1: double = System.Math.Sin(z) + x
reverse (seed seed):
    let dx: double = 0
    let dz: double = 0
    // line 12: return Math.Sin(z) + x;
    set dx = seed
    set dz = seed * System.Math.Cos(z)
    // line 11: double z = x * y;
    accumulate dx += dz * y
gradients:
    set gradX = dx
    set gradY = dz * x
returns t1
