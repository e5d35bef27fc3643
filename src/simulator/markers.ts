/**
 * Prompt markers steer one simulated prediction, so a test can make a single prediction fail, be
 * filtered, run slowly or boot cold through the public API alone. They are read
 * from the `prompt` input as sent and are not stripped, so the echoed `input` stays what the
 * client sent.
 */
export interface PromptMarkers {
  /** `[sim:fail]`: fail after the prediction starts, with an error message and explaining logs. */
  readonly fail: boolean;
  /** `[sim:nsfw]`: fail at the end of processing as a safety-filter rejection. */
  readonly nsfw: boolean;
  /** `[sim:slow]`: processing takes 30 simulated seconds, progress logged throughout. */
  readonly slow: boolean;
  /**
   * `[sim:cold]`: the prediction waits 60 simulated seconds in `starting`, as on a cold boot.
   * Not in the design contract; it exists so a `Cancel-After` deadline can pass before start
   * (→ `aborted`) without slowing down every other prediction.
   */
  readonly cold: boolean;
  /**
   * `[sim:fail-upscale]`: an upscale of this prediction's image (or of its background-removed
   * version) fails like `[sim:fail]`. The upscaler's input has no prompt, so the marker rides on
   * the prompt of the prediction that made the image.
   */
  readonly failUpscale: boolean;
}

export function readPromptMarkers(input: Readonly<Record<string, unknown>>): PromptMarkers {
  const prompt = typeof input.prompt === 'string' ? input.prompt.toLowerCase() : '';
  return {
    fail: prompt.includes('[sim:fail]'),
    nsfw: prompt.includes('[sim:nsfw]'),
    slow: prompt.includes('[sim:slow]'),
    cold: prompt.includes('[sim:cold]'),
    failUpscale: prompt.includes('[sim:fail-upscale]'),
  };
}
