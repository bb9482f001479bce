==== LogLoss(double, double), Ir.cs line 50 ====

---- source IR ----
method LogLoss(x: double, label: double): double    ; line 50
  param x: double  (gradient out gradX)
  param label: double  (constant)
  return -label * Math.Log(call Ir.Calls.Sigmoid(x)) - (1.0 - label) * Math.Log(1.0 - call Ir.Calls.Sigmoid(x))  ; line 51

---- lowered (SSA) ----
method LogLoss(%0 x: double, %1 label: double): double  ; line 50
  %2 t0: double = -label                            ; line 51
  %3 t1: double = call Ir.Calls.Sigmoid(x)          ; line 51
  %4 t2: double = Math.Log(t1)                      ; line 51
  %5 t3: double = t0 * t2                           ; line 51
  %6 t4: double = 1.0 - label                       ; line 51
  %7 t5: double = call Ir.Calls.Sigmoid(x)          ; line 51
  %8 t6: double = 1.0 - t5                          ; line 51
  %9 t7: double = Math.Log(t6)                      ; line 51
  %10 t8: double = t4 * t7                          ; line 51
  %11 t9: double = t3 - t8                          ; line 51
  returns t9

---- backward ----
checks:
tapes: none
hoisted:
forward:
    // line 51: -label * Math.Log(Sigmoid(x)) - (1 - label) * Math.Log(1 - Sigmoid(x))
    let t0: double = -label
    let t1: double = Ir.Calls.Sigmoid(x)
    let t4: double = 1.0 - label
    let t5: double = Ir.Calls.Sigmoid(x)
    let t6: double = 1.0 - t5
    let t9: double = t0 * System.Math.Log(t1) - t4 * System.Math.Log(t6)
reverse (seed seed):
    let dx: double = 0
    // line 51: -label * Math.Log(Sigmoid(x)) - (1 - label) * Math.Log(1 - Sigmoid(x))
    call Ir.Calls.SigmoidBackward(x, -(-seed * t4 / t6), out g0)
    set dx = g0
    call Ir.Calls.SigmoidBackward(x, seed * t0 / t1, out g1)
    accumulate dx += g1
gradients:
    set gradX = dx
returns t9
