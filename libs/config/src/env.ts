/** A process environment as the apps pass it in (libraries never read `process.env` themselves). */
export type Env = Readonly<Record<string, string | undefined>>;
