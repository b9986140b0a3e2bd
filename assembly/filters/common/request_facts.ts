// Reading request facts from Envoy: addresses, ports and the plugin configuration document.
import { ByteBuf, getProperty, getPropertyInt, logError, pluginConfiguration, PropertyPath } from "../../sdk";
import { Ip, parseSocketAddress, socketAddressPort } from "../../lib/ip";
import { JsonValue } from "../../lib/json";
import { ConfigReader } from "./config_reader";

export const SOURCE_ADDRESS = PropertyPath.of(["source", "address"]);
export const DESTINATION_ADDRESS = PropertyPath.of(["destination", "address"]);
export const DESTINATION_PORT = PropertyPath.of(["destination", "port"]);
/** The TLS SNI of the downstream connection ("" when none). */
export const SNI = PropertyPath.of(["connection", "requested_server_name"]);

const address = new ByteBuf(64);

/**
 * The IP of an address property ("ip:port" / "[v6]:port") into `out`: version 0 when the
 * property is absent, -1 when it is present but not an IP address (a pipe, garbage).
 * Returns the address's port, 0 when there is none.
 */
export function readAddressIp(path: PropertyPath, out: Ip): i32 {
  out.version = 0;
  if (!getProperty(path, address)) return 0;
  if (!parseSocketAddress(address.ptr, address.length, out)) out.version = -1;
  return socketAddressPort(address.ptr, address.length);
}

/** `destination.port` (int64), else the port of `destination.address`; 0 when unknown. */
export function readDestinationPort(): i32 {
  const port = getPropertyInt(DESTINATION_PORT, 0);
  if (port >= 1 && port <= 65535) return <i32>port;
  if (!getProperty(DESTINATION_ADDRESS, address)) return 0;
  return socketAddressPort(address.ptr, address.length);
}

/** The plugin configuration as a JSON object; null (and the reason logged at error) otherwise. */
export function readConfigDocument(filter: string, size: u32, r: ConfigReader): JsonValue | null {
  const bytes = new ByteBuf(<i32>size + 1);
  if (!pluginConfiguration(size, bytes)) r.fail("", "the plugin configuration buffer is not available");
  const doc = r.ok ? r.parse(bytes) : null;
  if (doc === null) rejectConfiguration(filter, r);
  return doc;
}

/** Logs why the configuration is rejected (error level); returns false for onConfigure. */
export function rejectConfiguration(filter: string, r: ConfigReader): bool {
  logError("meshguard " + filter + ": rejected plugin configuration: " + (r.error !== null ? r.error! : "unknown error"));
  return false;
}
