package dev.virtflash.app.cli;

import java.util.List;
import java.util.Objects;

/** What a command line asks for. */
public sealed interface ParsedCommand permits ParsedCommand.Run, ParsedCommand.Help, ParsedCommand.Version,
        ParsedCommand.Subcommand {

    /** Build the machine and run it. */
    record Run(MachineConfig config) implements ParsedCommand {
        public Run {
            Objects.requireNonNull(config, "config");
        }
    }

    /** {@code --help}. */
    record Help() implements ParsedCommand {
    }

    /** {@code --version}. */
    record Version() implements ParsedCommand {
    }

    /** {@code virt img ...} or {@code virt bench ...}: the rest of the arguments go to the tool. */
    record Subcommand(String name, List<String> args) implements ParsedCommand {
        public Subcommand {
            Objects.requireNonNull(name, "name");
            args = List.copyOf(args);
        }
    }
}
