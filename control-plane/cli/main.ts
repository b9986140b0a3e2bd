// The `meshguard` command dispatcher. Each command is one file in this folder exporting a
// CommandSpec (flags, help and run in one table); they are loaded only when used.
import { MeshguardError } from '../errors.js';
import { PACKAGE_VERSION } from '../package-root.js';
import { UsageError } from './args.js';
import { EXIT, EXIT_CODES_HELP } from './exit.js';
import { helpText, parseCommand, type CommandSpec } from './spec.js';

type Loader = () => Promise<CommandSpec>;

/** Every command, in the order `meshguard help` lists them. */
export const COMMANDS: Readonly<Record<string, Loader>> = {
  serve: async () => (await import('./serve.js')).command,
  check: async () => (await import('./check.js')).command,
  explain: async () => (await import('./explain.js')).command,
  replay: async () => (await import('./replay.js')).command,
  validate: async () => (await import('./validate.js')).command,
  test: async () => (await import('./test.js')).command,
  diff: async () => (await import('./diff.js')).command,
  'render filter-config': async () => (await import('./render.js')).command,
  'render envoy': async () => (await import('./render-envoy.js')).command,
  'render istio': async () => (await import('./render-istio.js')).command,
  'render xds-snapshot': async () => (await import('./render-xds-snapshot.js')).command,
  audit: async () => (await import('./audit.js')).command,
  graph: async () => (await import('./graph.js')).command,
  learn: async () => (await import('./learn.js')).learnSpec,
  score: async () => (await import('./learn.js')).scoreSpec,
  suggest: async () => (await import('./suggest.js')).command,
  release: async () => (await import('./release.js')).command,
};

async function overview(): Promise<string> {
  const specs = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...specs.map((s) => s.name.length)) + 2;
  return [
    `meshguard ${PACKAGE_VERSION}: runtime security for Envoy meshes from one policy file`, '',
    'usage: meshguard COMMAND [options]    (meshguard COMMAND --help describes every option)', '',
    'Commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    '', EXIT_CODES_HELP, '',
  ].join('\n');
}

/** `render istio …` is one command of two words; everything else is one word. */
function commandOf(argv: readonly string[]): { name: string; rest: readonly string[] } | null {
  const [first, second] = argv;
  if (first === undefined) return null;
  if (second !== undefined && `${first} ${second}` in COMMANDS) return { name: `${first} ${second}`, rest: argv.slice(2) };
  return first in COMMANDS ? { name: first, rest: argv.slice(1) } : null;
}

async function renderUsage(): Promise<string> {
  const targets = Object.keys(COMMANDS).filter((n) => n.startsWith('render ')).map((n) => n.slice(7));
  return `usage: meshguard render ${targets.join('|')} --policy FILE ... (meshguard render TARGET --help)`;
}

/** Runs one command line and returns the exit status; expected errors are one line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`meshguard ${PACKAGE_VERSION}\n`);
    return EXIT.OK;
  }
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const about = first === 'help' && argv.length > 1 ? commandOf(argv.slice(1)) : null;
    if (about) process.stdout.write(helpText(await COMMANDS[about.name]!()));
    else process.stdout.write(await overview());
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const found = commandOf(argv);
  if (!found) {
    if (first === 'render') process.stderr.write(`meshguard render: ${argv[1] === undefined ? 'which target?' : `unknown target "${argv[1]}"`} ${await renderUsage()}\n`);
    else process.stderr.write(`meshguard: unknown command "${first}" (meshguard help lists the commands)\n`);
    return EXIT.USAGE;
  }
  const spec = await COMMANDS[found.name]!();
  try {
    const args = parseCommand(spec, found.rest);
    if (args.flag('help')) {
      process.stdout.write(helpText(spec));
      return EXIT.OK;
    }
    return await spec.run(args);
  } catch (err) {
    return failed(spec, err);
  }
}

function failed(spec: CommandSpec, err: unknown): number {
  if (err instanceof MeshguardError) {
    process.stderr.write(`meshguard ${spec.name}: ${err.message}\n`);
    if (err instanceof UsageError && err.message.startsWith('usage:')) process.stderr.write(`(meshguard ${spec.name} --help describes every option)\n`);
    return EXIT.USAGE;
  }
  // Not an expected error: still one line (the stack only on request), and exit 2.
  const e = err as Error;
  process.stderr.write(`meshguard ${spec.name}: ${e?.message ?? String(err)}${process.env.MESHGUARD_DEBUG ? `\n${e?.stack ?? ''}` : ' (MESHGUARD_DEBUG=1 shows the stack)'}\n`);
  return EXIT.USAGE;
}

