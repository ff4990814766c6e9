/** What kind of configuration mistake a ZitadelConfigError is; stable, for programs to branch on. */
export type ConfigErrorCode =
  /** An option (or argument) has a value that cannot work. */
  | "ERR_INVALID_OPTION"
  /** A required option is missing. */
  | "ERR_MISSING_OPTION"
  /** An option that does not apply to this protocol or runtime was given (refused rather than ignored). */
  | "ERR_OPTION_NOT_APPLICABLE"
  /** A bearer token or client secret would go over plain http:// to a host that is not loopback. */
  | "ERR_INSECURE_URL"
  /** A service account key (file) cannot be read or used. */
  | "ERR_INVALID_KEY_FILE";

const brand = Symbol.for("zitadel-metadata.ZitadelConfigError");

/**
 * A mistake in how the package is set up (options, key files), found before
 * anything is sent. `code` says what kind, `option` names the option (or
 * argument) at fault, `problem` is the message without the function's name,
 * so a tool can say it in its own terms (the CLI names its flag). It is a
 * TypeError, as such mistakes were before it existed.
 */
export class ZitadelConfigError extends TypeError {
  /** "ZitadelConfigError", which stack traces and logs show; test with `instanceof ZitadelConfigError` (it holds across package copies). */
  override name = "ZitadelConfigError";
  /** What kind of mistake it is, e.g. "ERR_MISSING_OPTION" (see {@link ConfigErrorCode}); stable, unlike the message. */
  readonly code: ConfigErrorCode;
  /** The option or argument at fault, e.g. "baseUrl"; undefined when it is not one option. */
  readonly option: string | undefined;
  /** The message without the leading "<function>: ", e.g. 'option "baseUrl" must be an absolute URL …'. */
  readonly problem: string;

  /** Made by the checks of each factory; the message is "<entry>: <problem>". */
  constructor(init: {
    /** Becomes {@link ZitadelConfigError.code}. */
    code: ConfigErrorCode;
    /** Becomes {@link ZitadelConfigError.option}; omit it when the mistake is not one option. */
    option?: string;
    /** The function at fault, e.g. "serviceAccountKey", put in front of the message; omitted: the message is the problem alone. */
    entry?: string;
    /** Becomes {@link ZitadelConfigError.problem}, the message without "<entry>: ". */
    problem: string;
  }) {
    super(init.entry === undefined ? init.problem : `${init.entry}: ${init.problem}`);
    this.code = init.code;
    this.option = init.option;
    this.problem = init.problem;
    Object.defineProperty(this, brand, { value: true });
  }

  /** Holds for the other copy's errors too (ESM and CommonJS builds in one app). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === ZitadelConfigError && typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
