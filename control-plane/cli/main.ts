// The `meshguard` command dispatcher: one file per command in this folder.
import { UsageError } from './args.js';
import { checkCommand } from './check.js';
import { validateCommand } from './validate.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; summary: string }> = {
  serve: { run: async () => (await import('./serve.js')).serveCommand, summary: 'serve [--policy FILE] [--xds-port 18000|none] [--authz-port 9001] [--admin-port 9901] [--bind ADDR] [--redis URL|none] [--tls-cert F --tls-key F --tls-ca F] [--kubernetes]' },
  check: { run: async () => checkCommand, summary: 'check --policy FILE [--requests FILE|-] [--redis URL]' },
  replay: { run: async () => (await import('./replay.js')).replayCommand, summary: 'replay --policy FILE --workload NS/NAME [--requests FILE|-] [--wasm-dir DIR]' },
  validate: { run: async () => validateCommand, summary: 'validate FILE' },
  learn: { run: async () => (await import('./learn.js')).learnCommand, summary: 'learn --requests FILE --out MODEL' },
  score: { run: async () => (await import('./learn.js')).scoreCommand, summary: 'score [--model FILE] [--requests FILE|-]' },
  suggest: { run: async () => (await import('./suggest.js')).suggestCommand, summary: 'suggest [--flows FILE|-] [--policy FILE] [--name NAME]' },
  release: { run: async () => (await import('./release.js')).releaseCommand, summary: 'release IDENTITY [--redis URL | --admin URL]' },
  render: { run: async () => (await import('./render.js')).renderCommand, summary: 'render filter-config|envoy --policy FILE --workload NS/NAME | render istio --policy FILE --out DIR' },
  audit: { run: async () => (await import('./audit.js')).auditCommand, summary: 'audit --policy FILE [--manifests DIR] [--format table|json|sarif] [--fail-on low|medium|high|critical]' },
  graph: { run: async () => (await import('./graph.js')).graphCommand, summary: 'graph --policy FILE [--format dot|mermaid|svg]' },
};

function usage(): string {
  return ['usage: meshguard <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  meshguard ${c.summary}`)].join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`meshguard: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.run())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`meshguard ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
