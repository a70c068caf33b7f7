import {
  type Dockerfile,
  DockerfileParser,
  type Instruction,
  JSONInstruction,
  ModifiableInstruction,
} from 'dockerfile-ast';

export interface Stage {
  name: string | null;
  /** The FROM image with the Dockerfile's initial ARG defaults substituted. */
  image: string;
  instructions: Instruction[];
}

/** The Dockerfile's build stages in order, each with the instructions after its FROM. */
export function parseStages(text: string): { dockerfile: Dockerfile; stages: Stage[] } {
  const dockerfile = DockerfileParser.parse(text);
  const defaults = new Map(
    dockerfile
      .getInitialARGs()
      .map((arg) => [arg.getProperty()?.getName() ?? '', arg.getProperty()?.getValue() ?? ''] as const),
  );
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const words = instruction.getArguments().map((argument) => argument.getValue());
      const image = words[0]!.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_, braced, bare) => defaults.get(braced ?? bare) ?? '',
      );
      stages.push({ name: words[2] ?? null, image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { dockerfile, stages };
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
}

/** The words of an exec-form (JSON) instruction such as CMD or ENTRYPOINT. */
export function execForm(instruction: Instruction): string[] {
  if (!(instruction instanceof JSONInstruction))
    throw new Error(`${instruction.getKeyword()} is no JSONInstruction`);
  return instruction.getJSONStrings().map((json) => json.getJSONValue());
}

/** `--name=value` flags of an instruction (COPY --from, HEALTHCHECK --interval, …). */
export function flagsOf(instruction: Instruction): Map<string, string | null> {
  if (!(instruction instanceof ModifiableInstruction)) return new Map();
  return new Map(instruction.getFlags().map((flag) => [flag.getName(), flag.getValue()]));
}

/** The shell commands of a RUN, one per `&&`-joined part. */
export function runCommands(instruction: Instruction): string[] {
  return (instruction.getArgumentsContent() ?? '')
    .split('&&')
    .map((part) => part.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}
