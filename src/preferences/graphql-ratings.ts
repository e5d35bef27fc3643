/**
 * `GeneratedImage.rating` (declared with the type, in `generations/graphql.ts`) and `rateImage`'s
 * argument: the rating enum, and the ratings of a response's images read together.
 */
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { ratingsOf, type Rating } from './store.ts';

export const ImageRatingEnum = builder.enumType('ImageRating', {
  values: {
    LIKE: { description: 'The owner wants more like it.' },
    DISLIKE: { description: 'The owner wants less like it.' },
    NONE: { description: 'Not rated (as input: withdraw the rating).' },
  } as const,
});

/** Ratings per request: every image a response shows costs one statement together. */
const ratingLoader = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<string, Rating>(async (ids) => {
      const ratings = await ratingsOf(context.services.db, ids);
      return ids.map((id) => ratings.get(id) ?? 'NONE');
    }),
);

/** How the owner rated the image; NONE until they do. */
export function ratingOf(context: GraphQLContext, imageId: string): Promise<Rating> {
  return ratingLoader(context).load(imageId);
}
