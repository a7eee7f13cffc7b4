// The handoff extension: the TextMate grammar highlights; `handoff lsp` (started here over
// stdio) gives diagnostics as you type, hover, go to definition, completion and formatting.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("handoff").get("server.path") || "handoff";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "handoff",
    "handoff policies",
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: "file", language: "handoff" },
        { scheme: "untitled", language: "handoff" },
      ],
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
