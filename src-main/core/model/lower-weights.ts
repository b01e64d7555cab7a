import type { Precision } from '../store/types';
import type { WeightPrecision } from './onnx/int8-weights';

/**
 * Which weights the LOWER pass runs with, given the `weights` setting and the state codec. The
 * upper pass follows the setting alone. int8 lower layers pay where states stay ≥ 16 bits, but
 * their rounding stacks with a low-bit codec's: on the built-in model (held-out SQuAD, closed,
 * README "Faster and smaller") int8 lower + int8 upper cost 0.27 F1 with fp16 states and ~1 F1
 * with int4/int3 states, against 0.07–0.3 for int8 upper alone. So 'int8' means int8 upper
 * always, int8 lower only over fp32/fp16 states.
 */
export function lowerWeightsFor(weights: WeightPrecision, precision: Precision): WeightPrecision {
  return weights === 'int8' && (precision === 'fp32' || precision === 'fp16') ? 'int8' : 'fp32';
}
