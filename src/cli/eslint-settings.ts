/**
 * @fileoverview The shared settings for one file, from the project's own ESLint config (`settings['trace-propagation']`,
 * computed by ESLint's `calculateConfigForFile`), so that the rules and the CLI read one configuration. Undefined when
 * no ESLint config applies to the file: the CLI then uses `trace-propagation.config.json`.
 */
import path from 'node:path';
import { SETTINGS_KEY, SettingsError, validateSettings, type SharedSettings } from '../settings.js';
import { UsageError } from './config.js';

interface EslintLike {
  calculateConfigForFile(file: string): Promise<{ settings?: Record<string, unknown>; rules?: Record<string, unknown> } | undefined>;
}

/** Reads settings per file; one ESLint instance per run, and a folder without any ESLint config is asked once. */
export class EslintSettings {
  private eslint: Promise<EslintLike | undefined> | undefined;
  private readonly noConfig = new Set<string>();
  private readonly rules = new Map<string, Record<string, unknown>>();

  /** Whether the file's ESLint config turns a rule on (known after `for(file)`). */
  ruleOn(file: string, rule: string): boolean {
    const entry = this.rules.get(file)?.[rule];
    const severity = Array.isArray(entry) ? entry[0] : entry;
    return severity !== undefined && severity !== 0 && severity !== 'off';
  }

  constructor(private readonly cwd: string) {}

  private load(): Promise<EslintLike | undefined> {
    this.eslint ??= (async () => {
      try {
        const { ESLint } = (await import('eslint')) as unknown as { ESLint: new (options: object) => EslintLike };
        return new ESLint({ cwd: this.cwd });
      } catch {
        return undefined; // ESLint is a peer; without it, the JSON file is the configuration
      }
    })();
    return this.eslint;
  }

  async for(file: string): Promise<SharedSettings | undefined> {
    const dir = path.dirname(file);
    if (this.noConfig.has(dir)) return undefined;
    const eslint = await this.load();
    if (!eslint) return undefined;
    let config: { settings?: Record<string, unknown>; rules?: Record<string, unknown> } | undefined;
    try {
      config = await eslint.calculateConfigForFile(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/could not find config file|no eslint configuration/i.test(message)) {
        this.noConfig.add(dir);
        return undefined;
      }
      throw new UsageError(`${path.relative(this.cwd, file) || file}: cannot compute its ESLint config: ${message.split('\n')[0]}`);
    }
    if (!config) return undefined; // ignored by the ESLint config
    if (config.rules) this.rules.set(file, config.rules);
    try {
      return validateSettings(config.settings?.[SETTINGS_KEY], `settings['${SETTINGS_KEY}'] in the ESLint config for ${path.relative(this.cwd, file) || file}`);
    } catch (error) {
      if (error instanceof SettingsError) throw new UsageError(error.message);
      throw error;
    }
  }
}
