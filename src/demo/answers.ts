/** What the demo's answers share in every version. */

/** The current time, as the responses that carry one give it. */
export const now = (): string => new Date().toISOString();

/** An empty response, for the notifications the demo only takes note of. */
export const empty = () => ({});
