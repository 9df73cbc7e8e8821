import { taskHost } from "../durable-objects/stubs";
import { type TaskMessage, taskMessageSchema } from "../shared/contracts/task";
import { retryDelaySeconds } from "../shared/delegation/retry-delay";
import { log } from "../shared/log";
import { retryIfReset } from "../shared/object-reset";
import { settingsOf } from "../shared/settings";

/**
 * The task queue's consumer: runs each delivered task in its sub-agent's own object (named
 * after the task, so a redelivery reaches the same object, which runs the work once), acks
 * what is done, and retries a failed attempt with exponential backoff. After the consumer's
 * max_retries the platform moves the message to the dead-letter queue, handled below.
 */
export async function consumeTasks(batch: MessageBatch, env: Env): Promise<void> {
  // a queue consumer has no one to answer: a bad setting is logged and its default used, since
  // dropping tasks would be worse (turns that would send new ones refuse to run meanwhile)
  const loaded = settingsOf(env);
  const problem = loaded.problem(["EDGENT_TASK_DEAD_LETTER_QUEUE", "EDGENT_TASK_RETRY_BASE_SECONDS"]);
  if (problem) log({ event: "notice", level: "error", message: `${problem}; using its default` });
  const settings = loaded.values;
  if (batch.queue === settings.EDGENT_TASK_DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
  const retryBaseSeconds = settings.EDGENT_TASK_RETRY_BASE_SECONDS;
  await Promise.all(
    batch.messages.map(async (message) => {
      const task = readTask(message, batch.queue);
      if (!task) return;
      // the message's own delivery count continues the attempts it was sent with
      const attempt = task.attempt + message.attempts - 1;
      try {
        // an object restarting after its storage was wiped runs the delivery on its next life
        const outcome = await retryIfReset(() =>
          taskHost(env, task).runTask(task, attempt, { queue: batch.queue, messageId: message.id }),
        );
        if (outcome.status === "failed") message.retry({ delaySeconds: retryDelaySeconds(attempt, retryBaseSeconds) });
        else message.ack();
      } catch (error) {
        // the sub-agent's object could not be reached, or the parent's could not take the result
        log({
          event: "notice",
          level: "warn",
          message: "task delivery failed; retrying",
          tenant: task.tenant,
          taskId: task.taskId,
          errorName: error instanceof Error ? error.name : "unknown",
        });
        message.retry({ delaySeconds: retryDelaySeconds(attempt, retryBaseSeconds) });
      }
    }),
  );
}

/** Tasks whose attempts ran out: the sub-agent's object records it and tells the parent. */
async function consumeDeadLetters(batch: MessageBatch, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const task = readTask(message, batch.queue);
      if (!task) return;
      try {
        await retryIfReset(() => taskHost(env, task).deadLetter(task, { queue: batch.queue, messageId: message.id }));
        message.ack();
      } catch {
        message.retry({ delaySeconds: 1 });
      }
    }),
  );
}

/** The message's task, or null (acked and logged) if it is not one: it could never succeed. */
function readTask(message: Message, queue: string): TaskMessage | null {
  const parsed = taskMessageSchema.safeParse(message.body);
  if (parsed.success) return parsed.data;
  log({
    event: "notice",
    level: "error",
    message: `malformed message on queue ${queue} dropped: ${parsed.error.issues[0]?.message ?? "invalid"}`,
  });
  message.ack();
  return null;
}
