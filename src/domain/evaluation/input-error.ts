import { AppError } from '../../errors'

/**
 * The evaluation's inputs come from users (a COCO file, options in a request), so a bad one is a
 * 400 with the usual envelope rather than an exception that would surface as a 500.
 */
export const invalidEvaluationInput = (message: string, details?: unknown) => new AppError(400, 'validation_error', message, details)
