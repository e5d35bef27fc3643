/**
 * The models the simulator knows, apart from the gateway's catalog (which an operator changes at
 * runtime: the simulator plays Replicate, whose models do not follow it): the built-in catalog
 * models, official, run by name.
 */
import { MODELS, type BuiltInModelSpec } from '../catalog/models.ts';

export type SimulatedModel = BuiltInModelSpec;

export const SIMULATED_MODELS: readonly SimulatedModel[] = MODELS;

const byName = new Map(SIMULATED_MODELS.map((model) => [model.replicateModel, model]));

/** A model by `owner/name`. */
export function simulatedModel(name: string): SimulatedModel | undefined {
  return byName.get(name);
}
