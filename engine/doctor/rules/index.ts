// The rule catalogue, in the order docs/doctor.md lists it: each entry makes a fresh rule for one run.

import type { Rule } from '../types';
import { deadRelu, saturated } from './activations';
import { exploding, vanishing } from './gradients';
import { poorInit } from './init';
import { unscaledInputs } from './inputs';
import { lossNotDecreasing, lossSpike, overfitting } from './loss';
import { nonFinite } from './nonFinite';
import { unchangedWeights, updateRatioRule } from './updates';
import { allZeroWeights, symmetricUnits } from './weights';

/** Every rule of the doctor. */
export const RULES: readonly (() => Rule)[] = [
  nonFinite,
  exploding,
  vanishing,
  deadRelu,
  saturated,
  symmetricUnits,
  updateRatioRule,
  unchangedWeights,
  allZeroWeights,
  poorInit,
  lossNotDecreasing,
  lossSpike,
  overfitting,
  unscaledInputs,
];
