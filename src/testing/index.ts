/**
 * `rximap/testing`: what a team needs to test its own pipelines without a server: the scripted
 * transport, and helpers to drive a client from marble diagrams.
 *
 * @module rximap/testing
 */
export { ScriptedTransport, bytes } from './scripted-transport.js';
export type { ScriptedTransportOptions } from './scripted-transport.js';
export { scriptedClient, imapServer } from './scripted-client.js';
export type { ScriptedClientOptions, ImapServerScript } from './scripted-client.js';
