import type { Logger } from "pino";
import type { Command, Device, Entity, Reading } from "../model/index.js";
import type { EntityAddress } from "../mqtt/topics.js";
import { describeHttpError } from "../http/client.js";
import { CommandError, parseCommandPayload } from "./parse.js";

/** A command to no entity of ours: a typo, a stale HA entity, or noise. */
class UnknownTargetError extends CommandError {}

/** Distinct unknown topics warned about at most; the rest is debug, so noise cannot flood the log. */
const MAX_UNKNOWN_WARNINGS = 100;

export type CommandResult = { ok: true; value: number | string | boolean } | { ok: false; error: string };

export interface CommandOutput {
  publishReadings(source: string, readings: Reading[]): void;
}

/** What the router needs of a source: the daemon's `SourceRunner` is one. Owned here so commands import nothing of the daemon. */
export interface CommandTarget {
  lookup(deviceKey: string, entityKey: string): { device: Device; entity: Entity } | undefined;
  /** While a cloud asked us to wait (Retry-After), commands are refused rather than queued. */
  pausedUntil(): Date | undefined;
  write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]>;
}

/**
 * `…/set` → the owning source's bridge. Every command gets a result; one that fails validation
 * never reaches the vendor.
 */
export class CommandRouter {
  private readonly unknownWarned = new Set<string>();

  constructor(
    private readonly runners: ReadonlyMap<string, CommandTarget>,
    private readonly output: CommandOutput,
    private readonly log: Logger,
  ) {}

  async handle(address: EntityAddress, payload: string): Promise<CommandResult> {
    const where = `${address.source}/${address.device}/${address.entity}${address.field ? `/${address.field}` : ""}`;
    try {
      const runner = this.runners.get(address.source);
      if (!runner) throw new UnknownTargetError(`unknown source "${address.source}"`);
      const target = runner.lookup(address.device, address.entity);
      if (!target) throw new UnknownTargetError(`unknown entity ${address.device}/${address.entity} in source ${address.source}`);
      const value = parseCommandPayload(target.entity, address.field, payload);
      const command: Command = { device: address.device, entity: address.entity, value };
      if (address.field) command.field = address.field;
      const pausedUntil = runner.pausedUntil();
      if (pausedUntil) {
        throw new CommandError(`source ${address.source} is paused until ${pausedUntil.toISOString()}: its cloud asked to wait (Retry-After); send the command again after that`);
      }
      this.log.info({ command: where, value }, "command");
      const readings = await runner.write(command, target);
      this.output.publishReadings(address.source, readings);
      return { ok: true, value };
    } catch (error) {
      const message = error instanceof CommandError ? error.message : `write failed: ${describeHttpError(error)}`;
      if (error instanceof UnknownTargetError && (this.unknownWarned.has(where) || this.unknownWarned.size >= MAX_UNKNOWN_WARNINGS)) {
        this.log.debug({ command: where, err: message }, "command rejected");
      } else {
        if (error instanceof UnknownTargetError) this.unknownWarned.add(where);
        this.log.warn({ command: where, err: message }, "command rejected");
      }
      return { ok: false, error: message };
    }
  }
}
