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
    let t0: double = System.Math.Sin(z)
    let t1: double = t0 + x
reverse (seed seed):
    let dx: double = 0
    let dy: double = 0
    let dz: double = 0
    let dt0: double = 0
    let dt1: double = seed
    // line 12: return Math.Sin(z) + x;
    set dt0 = dt1
    set dx = dt1
    set dz = dt0 * System.Math.Cos(z)
    // line 11: double z = x * y;
    accumulate dx += dz * y
    set dy = dz * x
gradients:
    set gradX = dx
    set gradY = dy
returns t1
