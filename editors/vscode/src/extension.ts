// The rampart extension: starts `rampart lsp` (stdio) and hands it the settings as
// initializationOptions. Everything else (diagnostics, hovers, quick fixes, progress) is the
// language server's.

import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The server's settings, from the `rampart.*` configuration. Empty values are left out. */
function initializationOptions(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration('rampart');
  const options: Record<string, unknown> = {
    minSeverity: c.get<string>('minSeverity', 'info'),
    debounceMs: c.get<number>('debounceMs', 150),
    workspaceScan: c.get<boolean>('workspaceScan', true),
  };
  const engines = c.get<string[]>('engines', []);
  if (engines.length > 0) {
    options.engines = engines;
  }
  for (const key of ['config', 'baseline']) {
    const value = c.get<string>(key, '');
    if (value !== '') {
      options[key] = value;
    }
  }
  return options;
}

function start(context: vscode.ExtensionContext): Promise<void> {
  const configured = vscode.workspace.getConfiguration('rampart').get<string>('path', '');
  const command = configured !== '' ? configured : 'rampart';
  const serverOptions: ServerOptions = {
    command,
    args: ['lsp'],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    // Every file on disk: secrets can be anywhere; the server decides what each engine wants.
    documentSelector: [{ scheme: 'file' }],
    initializationOptions: initializationOptions(),
  };
  client = new LanguageClient('rampart', 'rampart', serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start().catch((e: unknown) => {
    void vscode.window.showErrorMessage(
      `rampart: cannot start \`${command} lsp\` (${String(e)}). Install rampart or set rampart.path.`,
    );
  });
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (client !== undefined) {
    await client.stop();
    client = undefined;
  }
  await start(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('rampart.restart', () => restart(context)),
    // Settings are initializationOptions: a change restarts the server with the new ones.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rampart')) {
        void restart(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client !== undefined) {
    await client.stop();
  }
}
