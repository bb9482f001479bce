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

---- backward ----
checks:
tapes: none
hoisted:
    let r_2: double
    let t0: double
    let t1: double
forward:
    // line 22: if (x > y) r = x * x;
    let branch1: bool = x > y
    if branch1:
        // line 22: r = x * x;
        let r: double = x * x
        set r_2 = r
    else:
        // line 23: r = x * y;
        let r_1: double = x * y
        set r_2 = r_1
    // line 24: return x > 1 ? r : Math.Exp(r);
    let branch0: bool = x > 1.0
    if branch0:
        set t0 = r_2
    else:
        // line 24: return x > 1 ? r : Math.Exp(r);
        set t1 = System.Math.Exp(r_2)
        set t0 = t1
reverse (seed seed):
    let dx: double = 0
    let dy: double = 0
    let dr_2: double = 0
    if branch0:
        // line 24: return x > 1 ? r : Math.Exp(r);
        set dr_2 = seed
    else:
        // line 24: return x > 1 ? r : Math.Exp(r);
        set dr_2 = seed * t1
    if branch1:
        // line 22: if (x > y) r = x * x;
        set dx = dr_2 * x
        accumulate dx += dr_2 * x
    else:
        // line 22: if (x > y) r = x * x;
        // line 23: r = x * y;
        set dx = dr_2 * y
        set dy = dr_2 * x
gradients:
    set gradX = dx
    set gradY = dy
returns t0
