/**
 * INI files as Python's `configparser` reads them, since IMAPClient's configuration files are
 * read that way and the same files must work here: `[section]` headers, `key = value` or
 * `key: value`, keys case-insensitive, `#` and `;` comments on lines of their own (never inline,
 * so a password may hold them), values continued on more-indented lines, a `[DEFAULT]` section
 * whose keys every other section inherits, and `%(key)s` interpolation with `%%` for a percent
 * sign. Pure: text in, values out.
 *
 * @module
 */

/** Where a {@link ConfigError} was found. */
export interface ConfigErrorLocation {
  /** The file, as the user named it. */
  readonly source?: string;
  /** The 1-based line. */
  readonly line?: number;
  /** The key the error is about. */
  readonly key?: string;
}

/**
 * A configuration file that cannot be used: its message names the file, the line and the key,
 * `imap.ini:7: port: "99999" is not a port number`.
 *
 * @example
 * ```ts
 * new ConfigError('ssl: "maybe" is not a boolean', { source: 'imap.ini', line: 3, key: 'ssl' }).message;
 * // 'imap.ini:3: ssl: "maybe" is not a boolean'
 * ```
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly source?: string;
  readonly line?: number;
  readonly key?: string;

  constructor(reason: string, where: ConfigErrorLocation = {}) {
    const place = [where.source, where.line].filter((part) => part !== undefined).join(':');
    super(place === '' ? reason : `${place}: ${reason}`);
    this.source = where.source;
    this.line = where.line;
    this.key = where.key;
  }
}

/** A key's raw value (before interpolation) and the line it starts on. */
export interface IniEntry {
  /** The key, lower case. */
  readonly key: string;
  /** The value as written, continuation lines joined with `\n`. */
  readonly value: string;
  readonly line: number;
}

/** A section and its own keys, in file order. */
export interface IniSection {
  readonly name: string;
  /** The line of its header; 0 for a `[DEFAULT]` the file does not have. */
  readonly line: number;
  readonly entries: ReadonlyMap<string, IniEntry>;
}

/** A parsed file: `[DEFAULT]` apart, the other sections in file order. */
export interface IniDocument {
  readonly source?: string;
  readonly defaults: IniSection;
  readonly sections: ReadonlyMap<string, IniSection>;
}

/** A key's final value in a section, interpolated, and where it was written. */
export interface IniValue extends IniEntry {
  /** The section that holds it: the one asked for, or `DEFAULT`. */
  readonly section: string;
}

/** The section every other section inherits from. */
export const DEFAULT_SECTION = 'DEFAULT';

/** configparser's `MAX_INTERPOLATION_DEPTH`. */
const MAX_INTERPOLATION_DEPTH = 10;

interface MutableSection {
  readonly name: string;
  line: number;
  readonly entries: Map<string, { key: string; lines: string[]; line: number }>;
}

/**
 * Parses INI text with configparser's rules (strict mode: a section or key given twice is an
 * error). Values are kept raw; {@link iniSection} interpolates them.
 *
 * @example
 * ```ts
 * const doc = parseIni('[DEFAULT]\nhost = imap.example.org\n\n[work]\nusername = alice\n', { source: 'imap.ini' });
 * iniSection(doc, 'work').get('host')?.value; // 'imap.example.org'
 * ```
 */
export function parseIni(text: string, options: { readonly source?: string } = {}): IniDocument {
  const { source } = options;
  const error = (reason: string, line: number, key?: string) => new ConfigError(reason, { source, line, key });
  const defaults: MutableSection = { name: DEFAULT_SECTION, line: 0, entries: new Map() };
  const sections = new Map<string, MutableSection>();
  let current: MutableSection | undefined;
  let option: { key: string; lines: string[]; line: number } | undefined;
  let indent = 0;
  let sawDefault = false;

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    const value = raw.trim();
    if (value.startsWith('#') || value.startsWith(';')) continue;
    if (value === '') {
      // A blank line inside a value belongs to it if a continuation line follows.
      option?.lines.push('');
      continue;
    }
    const lineIndent = raw.length - raw.trimStart().length;
    if (current && option && lineIndent > indent) {
      option.lines.push(value);
      continue;
    }
    indent = lineIndent;
    if (value.startsWith('[')) {
      // As configparser: the name runs to the last `]`, and what follows it is ignored.
      const name = value.slice(1, Math.max(1, value.lastIndexOf(']')));
      if (name === '') throw error(`not a section header: ${value}`, lineNumber);
      option = undefined;
      if (name === DEFAULT_SECTION) {
        if (sawDefault) throw error(`section [${name}] appears twice`, lineNumber);
        sawDefault = true;
        current = defaults;
        defaults.line = lineNumber;
      } else {
        if (sections.has(name)) throw error(`section [${name}] appears twice`, lineNumber);
        current = { name, line: lineNumber, entries: new Map() };
        sections.set(name, current);
      }
      continue;
    }
    const delimiter = value.search(/[=:]/);
    if (delimiter < 0) throw error(`expected "key = value" or a [section] header, found: ${value}`, lineNumber);
    const key = value.slice(0, delimiter).trimEnd().toLowerCase();
    if (key === '') throw error(`a value without a key: ${value}`, lineNumber);
    if (!current) throw error(`"${key}" comes before any [section] header`, lineNumber, key);
    const previous = current.entries.get(key);
    if (previous) throw error(`${key} is set twice in [${current.name}] (first on line ${previous.line})`, lineNumber, key);
    option = { key, lines: [value.slice(delimiter + 1).trim()], line: lineNumber };
    current.entries.set(key, option);
  }

  const freeze = (section: MutableSection): IniSection => ({
    name: section.name,
    line: section.line,
    entries: new Map(
      [...section.entries].map(([key, entry]) => [key, { key, value: entry.lines.join('\n').trimEnd(), line: entry.line }]),
    ),
  });
  return {
    source,
    defaults: freeze(defaults),
    sections: new Map([...sections].map(([name, section]) => [name, freeze(section)])),
  };
}

/**
 * A section's values, `[DEFAULT]`'s included where the section does not override them, with
 * `%(key)s` references replaced and `%%` turned into `%` (configparser's BasicInterpolation).
 * `DEFAULT` asks for the defaults alone. An unknown section, a reference to a missing key, a
 * lone `%` or a reference loop is a {@link ConfigError} naming the key and its line.
 *
 * @example
 * ```ts
 * const doc = parseIni('[DEFAULT]\ndomain = example.org\n[main]\nhost = imap.%(domain)s\npassword = 100%%\n');
 * const main = iniSection(doc, 'main');
 * main.get('host')?.value;     // 'imap.example.org'
 * main.get('password')?.value; // '100%'
 * ```
 */
export function iniSection(doc: IniDocument, name: string): ReadonlyMap<string, IniValue> {
  const own = name === DEFAULT_SECTION ? doc.defaults : doc.sections.get(name);
  if (!own) {
    const known = [...doc.sections.keys()].map((section) => `[${section}]`).join(', ');
    throw new ConfigError(`no section [${name}]${known === '' ? ' (the file has none)' : ` (the file has ${known})`}`, {
      source: doc.source,
    });
  }
  const raw = new Map<string, IniValue>();
  for (const entry of doc.defaults.entries.values()) raw.set(entry.key, { ...entry, section: DEFAULT_SECTION });
  for (const entry of own.entries.values()) raw.set(entry.key, { ...entry, section: own.name });
  const resolved = new Map<string, IniValue>();
  for (const [key, entry] of raw) {
    resolved.set(key, { ...entry, value: interpolate(entry, raw, doc.source) });
  }
  return resolved;
}

/** Expands `%(name)s` and `%%` in one value, as configparser's `BasicInterpolation` does. */
function interpolate(entry: IniValue, values: ReadonlyMap<string, IniValue>, source: string | undefined): string {
  const error = (reason: string) => new ConfigError(`${entry.key}: ${reason}`, { source, line: entry.line, key: entry.key });
  const expand = (text: string, depth: number): string => {
    if (depth > MAX_INTERPOLATION_DEPTH) throw error(`%(...)s references nest deeper than ${MAX_INTERPOLATION_DEPTH} (a loop?)`);
    let out = '';
    let rest = text;
    for (let at = rest.indexOf('%'); at >= 0; at = rest.indexOf('%')) {
      out += rest.slice(0, at);
      rest = rest.slice(at);
      if (rest.startsWith('%%')) {
        out += '%';
        rest = rest.slice(2);
        continue;
      }
      const reference = /^%\(([^)]+)\)s/.exec(rest);
      if (!reference) {
        throw error(
          rest.startsWith('%(')
            ? `bad reference ${JSON.stringify(rest)}: write %(name)s`
            : `a % must be followed by % or (, found ${JSON.stringify(rest)}: write %% for a percent sign`,
        );
      }
      const name = reference[1].toLowerCase();
      const target = values.get(name);
      if (!target) throw error(`%(${name})s refers to a key that is not set`);
      out += target.value.includes('%') ? expand(target.value, depth + 1) : target.value;
      rest = rest.slice(reference[0].length);
    }
    return out + rest;
  };
  return entry.value.includes('%') ? expand(entry.value, 1) : entry.value;
}

/** The spellings configparser's `getboolean` accepts, lower case. */
const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  yes: true,
  true: true,
  on: true,
  '0': false,
  no: false,
  false: false,
  off: false,
};

/**
 * A boolean as configparser reads one: `1`, `yes`, `true`, `on` and `0`, `no`, `false`, `off`,
 * in any case. Anything else is a {@link ConfigError} naming the key and its line.
 *
 * @example
 * ```ts
 * iniBoolean({ key: 'ssl', value: 'Off', line: 4, section: 'main' }); // false
 * ```
 */
export function iniBoolean(entry: IniValue, source?: string): boolean {
  const value = BOOLEANS[entry.value.toLowerCase()];
  if (value === undefined) {
    throw new ConfigError(`${entry.key}: ${JSON.stringify(entry.value)} is not a boolean (1/yes/true/on or 0/no/false/off)`, {
      source,
      line: entry.line,
      key: entry.key,
    });
  }
  return value;
}
