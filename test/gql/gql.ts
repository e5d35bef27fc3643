/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        id\n        previousSecretExpiresAt\n        signingSecretCount\n      }\n    }\n  }\n": typeof types.RotateWebhookSecretDocument,
    "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      id\n      url\n      events\n      enabled\n      disabledReason\n    }\n  }\n": typeof types.UpdateWebhookEndpointDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n        events\n        description\n        enabled\n      }\n    }\n  }\n": typeof types.CreateWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n      eventId\n    }\n  }\n": typeof types.RedeliverWebhookDocument,
    "\n  query WebhookEndpoints($userId: ID) {\n    webhookEndpoints(userId: $userId) {\n      id\n      url\n      enabled\n      disabledReason\n      failingSince\n      signingSecretCount\n      isDefault\n      deliveries(first: 50) {\n        edges {\n          node {\n            id\n            eventId\n            eventType\n            url\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.WebhookEndpointsDocument,
    "\n  query GenerationWebhooks($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      webhookUrl\n      webhookDeliveries {\n        id\n        eventId\n        eventType\n        url\n        status\n        attempts\n        lastResponseCode\n        lastError\n      }\n    }\n  }\n": typeof types.GenerationWebhooksDocument,
    "\n  query GenerationsWebhooks($withDeliveries: Boolean!) {\n    viewer {\n      generations(first: 10) {\n        nodes {\n          id\n          webhookDeliveries @include(if: $withDeliveries) {\n            id\n            eventType\n          }\n        }\n      }\n    }\n  }\n": typeof types.GenerationsWebhooksDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": typeof types.DeleteWebhookEndpointDocument,
    "\n  query DeletedUserName {\n    viewer {\n      id\n      name\n    }\n  }\n": typeof types.DeletedUserNameDocument,
    "\n  mutation AdjustDeletedUser($userId: ID!) {\n    adjustBalance(userId: $userId, amountUsd: \"-1\", reason: \"goodwill\") {\n      id\n    }\n  }\n": typeof types.AdjustDeletedUserDocument,
    "\n  mutation GenerateIdAndStatus($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.GenerateIdAndStatusDocument,
    "\n  query DailyUsage {\n    viewer {\n      usage {\n        reservedUsd\n        spentUsd\n        dailyBudgetUsd\n      }\n    }\n  }\n": typeof types.DailyUsageDocument,
    "\n  mutation SetRateAndConcurrencyLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n": typeof types.SetRateAndConcurrencyLimitsDocument,
    "\n  query GenerationImagesCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      images {\n        url\n      }\n    }\n  }\n": typeof types.GenerationImagesCostDocument,
    "\n  fragment UserLimitFields on User {\n    id\n    dailyBudgetUsd\n    monthlyBudgetUsd\n    rateLimitPerMinute\n    maxConcurrentGenerations\n    usesDefaultLimits\n  }\n": typeof types.UserLimitFieldsFragmentDoc,
    "\n  mutation SetDailyAndMonthlyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\", monthlyUsd: 10 }) {\n      ...UserLimitFields\n    }\n  }\n": typeof types.SetDailyAndMonthlyBudgetDocument,
    "\n  mutation SetRateAndConcurrency($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 5, maxConcurrentGenerations: 2 }) {\n      ...UserLimitFields\n    }\n  }\n": typeof types.SetRateAndConcurrencyDocument,
    "\n  mutation ResetDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: null }) {\n      ...UserLimitFields\n    }\n  }\n": typeof types.ResetDailyBudgetDocument,
    "\n  mutation SetNegativeDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"-1\" }) {\n      id\n    }\n  }\n": typeof types.SetNegativeDailyBudgetDocument,
    "\n  mutation SetTooPreciseDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"0.0000001\" }) {\n      id\n    }\n  }\n": typeof types.SetTooPreciseDailyBudgetDocument,
    "\n  mutation SetZeroRateLimit($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 0 }) {\n      id\n    }\n  }\n": typeof types.SetZeroRateLimitDocument,
    "\n  mutation SetBudgetOfUnknownUser {\n    setBudget(input: { userId: \"00000000-0000-4000-8000-000000000000\", dailyUsd: 1 }) {\n      id\n    }\n  }\n": typeof types.SetBudgetOfUnknownUserDocument,
    "\n  mutation SetDailyBudgetTo100($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: 100 }) {\n      id\n    }\n  }\n": typeof types.SetDailyBudgetTo100Document,
    "\n  mutation AdjustBalanceByZero($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 0, reason: \"x\") {\n      id\n    }\n  }\n": typeof types.AdjustBalanceByZeroDocument,
    "\n  mutation AdjustBalanceWithoutReason($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 1, reason: \"  \") {\n      id\n    }\n  }\n": typeof types.AdjustBalanceWithoutReasonDocument,
    "\n  mutation SetDailyBudget1MonthlyBudget3($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1\", monthlyUsd: \"3\" }) {\n      id\n    }\n  }\n": typeof types.SetDailyBudget1MonthlyBudget3Document,
    "\n  mutation AdjustBalanceGoodwill($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.05\", reason: \"goodwill\") {\n      kind\n      amountUsd\n      reason\n      user {\n        id\n      }\n    }\n  }\n": typeof types.AdjustBalanceGoodwillDocument,
    "\n  query ViewerUsageInFull {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n        spentThisMonthUsd\n        activeGenerations\n        maxConcurrentGenerations\n        requestsInLastMinute\n        rateLimitPerMinute\n        day {\n          period\n          start\n          resetsAt\n          limitUsd\n          spentUsd\n          reservedUsd\n          adjustedUsd\n          remainingUsd\n        }\n        month {\n          period\n          start\n          resetsAt\n          remainingUsd\n        }\n      }\n    }\n  }\n": typeof types.ViewerUsageInFullDocument,
    "\n  query ViewerUsageBudgets {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n      }\n    }\n  }\n": typeof types.ViewerUsageBudgetsDocument,
    "\n  mutation SetDailyBudget1point5($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\" }) {\n      id\n    }\n  }\n": typeof types.SetDailyBudget1point5Document,
    "\n  query BillingViewerId {\n    viewer {\n      id\n    }\n  }\n": typeof types.BillingViewerIdDocument,
    "\n  query ViewerIdAndUsage {\n    viewer {\n      id\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n      }\n    }\n  }\n": typeof types.ViewerIdAndUsageDocument,
    "\n  fragment UsageBesideUserFields on User {\n    name\n    dailyBudgetUsd\n    usage {\n      spentUsd\n      reservedUsd\n      activeGenerations\n    }\n  }\n": typeof types.UsageBesideUserFieldsFragmentDoc,
    "\n  query ViewerThroughFragment {\n    viewer {\n      ...UsageBesideUserFields\n    }\n  }\n": typeof types.ViewerThroughFragmentDocument,
    "\n  query UserUsageAsAdmin($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        usage {\n          spentUsd\n          reservedUsd\n          remainingDailyUsd\n        }\n      }\n    }\n  }\n": typeof types.UserUsageAsAdminDocument,
    "\n  query UsageByModel($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: MODEL) {\n      key\n      model {\n        id\n      }\n      user {\n        id\n      }\n      day\n      generations\n      succeeded\n      failed\n      active\n      successRate\n      images\n      costUsd\n      heldUsd\n      averageProcessingSeconds\n    }\n  }\n": typeof types.UsageByModelDocument,
    "\n  query UsageByUser($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: USER) {\n      key\n      user {\n        id\n      }\n      generations\n      costUsd\n    }\n  }\n": typeof types.UsageByUserDocument,
    "\n  query UsageByDay($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: DAY) {\n      key\n      day\n      generations\n      succeeded\n    }\n  }\n": typeof types.UsageByDayDocument,
    "\n  query UsageOverReversedRange {\n    usage(from: \"2031-11-12T00:00:00Z\", to: \"2031-11-10T00:00:00Z\", groupBy: DAY) {\n      key\n    }\n  }\n": typeof types.UsageOverReversedRangeDocument,
    "\n  query GenerationCostsPage($from: DateTime!, $to: DateTime!, $first: Int) {\n    generationCosts(from: $from, to: $to, first: $first) {\n      nodes {\n        generationId\n        status\n        model {\n          id\n          costPerImageUsd\n        }\n        user {\n          id\n          name\n          dailyBudgetUsd\n          usage {\n            remainingDailyUsd\n          }\n        }\n        holdState\n        heldUsd\n        chargedUsd\n        processingSeconds\n      }\n    }\n  }\n": typeof types.GenerationCostsPageDocument,
    "\n  query LedgerEntriesPage {\n    ledgerEntries(first: 200) {\n      nodes {\n        kind\n        amountUsd\n        user {\n          id\n        }\n      }\n    }\n  }\n": typeof types.LedgerEntriesPageDocument,
    "\n  query LedgerReportInFull {\n    ledgerReport {\n      ok\n      problems\n      problemCount\n      totals {\n        entries\n        holds\n        openHolds\n        heldUsd\n        settledUsd\n        releasedUsd\n        openUsd\n      }\n    }\n  }\n": typeof types.LedgerReportInFullDocument,
    "\n  query LedgerReportOk {\n    ledgerReport {\n      ok\n    }\n  }\n": typeof types.LedgerReportOkDocument,
    "\n  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {\n    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {\n      id\n    }\n  }\n": typeof types.UsageCacheSetBudgetDocument,
    "\n  mutation UsageCacheCredit($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.01\", reason: \"goodwill\") {\n      id\n    }\n  }\n": typeof types.UsageCacheCreditDocument,
    "\n  query CachedViewerUsage {\n    viewer {\n      id\n      dailyBudgetUsd\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n        activeGenerations\n        requestsInLastMinute\n      }\n    }\n  }\n": typeof types.CachedViewerUsageDocument,
    "\n  query ImageRatings($id: ID!) {\n    generation(id: $id) {\n      images {\n        rating\n      }\n    }\n  }\n": typeof types.ImageRatingsDocument,
    "\n  mutation AddOfficialModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      replicateModel\n      replicateVersion\n      tier\n      aspectRatios\n      pricing {\n        kind\n        perImageUsd\n        typicalCostPerImageUsd\n        typicalCostBasis\n        source\n        asOf\n      }\n    }\n  }\n": typeof types.AddOfficialModelDocument,
    "\n  mutation GeneratePoster($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a poster\" }) {\n      id\n    }\n  }\n": typeof types.GeneratePosterDocument,
    "\n  query PosterCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": typeof types.PosterCostDocument,
    "\n  query UsageByPricing($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: PRICING) {\n      key\n      pricing\n      generations\n      succeeded\n      costUsd\n    }\n  }\n": typeof types.UsageByPricingDocument,
    "\n  query HardwareRates {\n    hardwareRates {\n      sku\n      name\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n": typeof types.HardwareRatesDocument,
    "\n  mutation ChangeHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      sku\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n": typeof types.ChangeHardwareRateDocument,
    "\n  query CatalogChangeLog($subject: String, $last: Int) {\n    catalogChanges(subject: $subject, last: $last) {\n      subject\n      actor\n      changedAt\n      before\n      after\n    }\n  }\n": typeof types.CatalogChangeLogDocument,
    "\n  mutation ShopGenerate($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n      estimatedCostUsd\n    }\n  }\n": typeof types.ShopGenerateDocument,
    "\n  mutation ShopCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.ShopCancelDocument,
    "\n  query ShopGeneration($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": typeof types.ShopGenerationDocument,
    "\n  mutation RepriceModel($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n      pricing {\n        perImageUsd\n      }\n    }\n  }\n": typeof types.RepriceModelDocument,
    "\n  mutation ChangeShopHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      perSecondUsd\n    }\n  }\n": typeof types.ChangeShopHardwareRateDocument,
    "\n  query SnapshotModels {\n    models {\n      id\n      name\n      costPerImageUsd\n      averageSeconds\n      pricing {\n        kind\n        perImageUsd\n        source\n        asOf\n      }\n    }\n  }\n": typeof types.SnapshotModelsDocument,
    "\n  query SnapshotModel($id: ID!) {\n    model(id: $id) {\n      id\n      costPerImageUsd\n    }\n  }\n": typeof types.SnapshotModelDocument,
    "\n  query SnapshotEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      maxTotalUsd\n    }\n  }\n": typeof types.SnapshotEstimateDocument,
    "\n  mutation SnapshotReprice($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n    }\n  }\n": typeof types.SnapshotRepriceDocument,
    "\n  mutation AddRuntimeModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n": typeof types.AddRuntimeModelDocument,
    "\n  query OfferedModelIds {\n    models {\n      id\n    }\n  }\n": typeof types.OfferedModelIdsDocument,
    "\n  mutation GenerateMascot($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a brand mascot\" }) {\n      id\n    }\n  }\n": typeof types.GenerateMascotDocument,
    "\n  query MascotCost($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": typeof types.MascotCostDocument,
    "\n  query PrintFileSizes($id: ID!) {\n    generation(id: $id) {\n      images {\n        printFile {\n          width\n          height\n        }\n      }\n    }\n  }\n": typeof types.PrintFileSizesDocument,
    "\n  query ExposureModels {\n    models {\n      id\n    }\n  }\n": typeof types.ExposureModelsDocument,
    "\n  mutation InputCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      dailyBudgetUsd\n    }\n  }\n": typeof types.InputCreateUserDocument,
    "\n      mutation InputCreateApiKey($u: ID!) {\n        createApiKey(userId: $u) {\n          key\n        }\n      }\n    ": typeof types.InputCreateApiKeyDocument,
    "\n    mutation GenerateBufferedTotalBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  ": typeof types.GenerateBufferedTotalBatchDocument,
    "\n    mutation RevokeStreamingKey($id: ID!) {\n      revokeApiKey(id: $id) {\n        id\n      }\n    }\n  ": typeof types.RevokeStreamingKeyDocument,
    "\n  subscription LiveFanoutGallery {\n    myGenerations {\n      id\n      status\n      p0: prompt\n      p1: prompt\n      p2: prompt\n      p3: prompt\n      p4: prompt\n    }\n  }\n": typeof types.LiveFanoutGalleryDocument,
    "\n  mutation LiveFanoutBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      items {\n        generation {\n          id\n        }\n      }\n    }\n  }\n": typeof types.LiveFanoutBatchDocument,
    "\n  subscription GalleryStatuses {\n    myGenerations {\n      id\n      status\n    }\n  }\n": typeof types.GalleryStatusesDocument,
    "\n  mutation CanaryGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.CanaryGenerateDocument,
    "\n  query CanaryGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      images {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.CanaryGenerationDocument,
    "\n  mutation CanaryCreateUser {\n    createUser(input: { name: \"Second\", dailyBudgetUsd: \"5\" }) {\n      id\n    }\n  }\n": typeof types.CanaryCreateUserDocument,
    "\n    mutation GenerateSlowConsumerBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  ": typeof types.GenerateSlowConsumerBatchDocument,
    "\n    query SlowConsumerViewer {\n      viewer {\n        id\n      }\n    }\n  ": typeof types.SlowConsumerViewerDocument,
    "\n  query ModelsSeen {\n    models {\n      id\n    }\n  }\n": typeof types.ModelsSeenDocument,
    "\n  mutation GenerateOnProcess($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n    }\n  }\n": typeof types.GenerateOnProcessDocument,
    "\n  query SettledCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n    }\n  }\n": typeof types.SettledCostDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query AuthModelIds {\n    models {\n      id\n    }\n  }\n": typeof types.AuthModelIdsDocument,
    "\n  query AuthViewerId {\n    viewer {\n      id\n    }\n  }\n": typeof types.AuthViewerIdDocument,
    "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": typeof types.ModelDocument,
    "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n": typeof types.EstimateCostDocument,
    "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n": typeof types.RecommendModelDocument,
    "\n  query SmokeModels {\n    models {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": typeof types.SmokeModelsDocument,
    "\n  mutation SmokeCreateUser {\n    createUser(input: { name: \"Ada\" }) {\n      id\n    }\n  }\n": typeof types.SmokeCreateUserDocument,
    "\n  mutation SmokeCreateApiKey($id: ID!) {\n    createApiKey(userId: $id) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": typeof types.SmokeCreateApiKeyDocument,
    "\n  query SmokeViewer {\n    viewer {\n      id\n      name\n    }\n  }\n": typeof types.SmokeViewerDocument,
    "\n  query TracedTypename {\n    __typename\n  }\n": typeof types.TracedTypenameDocument,
    "\n  query TrustedModels {\n    models {\n      id\n    }\n  }\n": typeof types.TrustedModelsDocument,
    "\n  query TrustedViewer {\n    viewer {\n      id\n    }\n  }\n": typeof types.TrustedViewerDocument,
    "\n  mutation GenerateWithPosition($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n": typeof types.GenerateWithPositionDocument,
    "\n  query DeletedUserViewer {\n    viewer {\n      id\n      usage {\n        spentUsd\n      }\n    }\n  }\n": typeof types.DeletedUserViewerDocument,
    "\n  subscription SharedGallery {\n    myGenerations {\n      id\n      status\n      percent\n    }\n  }\n": typeof types.SharedGalleryDocument,
    "\n  query OtherUsersGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.OtherUsersGenerationDocument,
    "\n  subscription GenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationFields\n    }\n  }\n": typeof types.GenerationProgressDocument,
    "\n  query LifecycleGenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n": typeof types.LifecycleGenerationIdDocument,
    "\n  query UnknownGenerationId {\n    generation(id: \"not-a-uuid\") {\n      id\n    }\n  }\n": typeof types.UnknownGenerationIdDocument,
    "\n  query LifecycleGenerationsPage($after: String) {\n    viewer {\n      generations(first: 2, after: $after) {\n        nodes {\n          id\n          prompt\n        }\n        edges {\n          cursor\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.LifecycleGenerationsPageDocument,
    "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Generation {\n        prompt\n      }\n      ... on User {\n        name\n      }\n      ... on ImageModel {\n        name\n      }\n    }\n  }\n": typeof types.NodeDocument,
    "\n  query NodesViewerId {\n    viewer {\n      id\n    }\n  }\n": typeof types.NodesViewerIdDocument,
    "\n  query Nodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n": typeof types.NodesDocument,
    "\n  query GenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n": typeof types.GenerationIdDocument,
    "\n  query ViewerGenerationsPage($first: Int, $last: Int, $after: String, $before: String) {\n    viewer {\n      generations(first: $first, last: $last, after: $after, before: $before) {\n        nodes {\n          id\n        }\n        pageInfo {\n          hasNextPage\n          hasPreviousPage\n          startCursor\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.ViewerGenerationsPageDocument,
    "\n  query ViewerGenerationImages($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n          images {\n            url\n            position\n          }\n        }\n      }\n    }\n  }\n": typeof types.ViewerGenerationImagesDocument,
    "\n  query ViewerGenerationIds($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n": typeof types.ViewerGenerationIdsDocument,
    "\n  query UserLedgerEntriesPage($userId: ID, $after: String) {\n    ledgerEntries(userId: $userId, first: 2, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          generationId\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.UserLedgerEntriesPageDocument,
    "\n  mutation CancelClaimed($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n      costUsd\n    }\n  }\n": typeof types.CancelClaimedDocument,
    "\n  query QueuedPlace($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n": typeof types.QueuedPlaceDocument,
    "\n  fragment QueueFields on Generation {\n    id\n    status\n    queuePosition\n    estimatedStartAt\n  }\n": typeof types.QueueFieldsFragmentDoc,
    "\n  query QueuePosition($id: ID!) {\n    generation(id: $id) {\n      ...QueueFields\n    }\n  }\n": typeof types.QueuePositionDocument,
    "\n  mutation CancelQueued($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...QueueFields\n      costUsd\n    }\n  }\n": typeof types.CancelQueuedDocument,
    "\n  subscription QueueProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...QueueFields\n    }\n  }\n": typeof types.QueueProgressDocument,
    "\n  fragment GenerationDetailFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n": typeof types.GenerationDetailFieldsFragmentDoc,
    "\n  subscription GenerationProgressDetail($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n": typeof types.GenerationProgressDetailDocument,
    "\n  subscription GalleryDetail {\n    myGenerations {\n      ...GenerationDetailFields\n    }\n  }\n": typeof types.GalleryDetailDocument,
    "\n  mutation GenerateDetailed($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n": typeof types.GenerateDetailedDocument,
    "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n": typeof types.FinalizeDocument,
    "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...GenerationDetailFields\n        }\n      }\n    }\n  }\n": typeof types.GenerateBatchDocument,
    "\n  query GetGenerationDetail($id: ID!) {\n    generation(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n": typeof types.GetGenerationDetailDocument,
    "\n    query PlanEstimate {\n      estimateCost(input: { modelId: \"flux-1.1-pro-ultra\", count: 3, previews: 36, variationsPerPreview: 4 }) {\n        totalUsd\n        previewsUsd\n        finalsUsd\n        perImageUsd\n      }\n    }\n  ": typeof types.PlanEstimateDocument,
    "\n    query TransparentEstimate {\n      estimateCost(input: { modelId: \"flux-dev\", count: 2, transparentBackground: true }) {\n        totalUsd\n      }\n    }\n  ": typeof types.TransparentEstimateDocument,
    "\n  mutation GenerateX {\n    generateImage(input: { modelId: \"flux-schnell\", prompt: \"x\" }) {\n      id\n    }\n  }\n": typeof types.GenerateXDocument,
    "\n  query PreferenceImages($id: ID!) {\n    generation(id: $id) {\n      status\n      images {\n        id\n        url\n        rating\n      }\n    }\n  }\n": typeof types.PreferenceImagesDocument,
    "\n  mutation RateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n": typeof types.RateImageDocument,
    "\n  query ModelPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        likes\n        dislikes\n        finalizes\n        downloads\n        cancels\n        score\n        evidence\n      }\n    }\n  }\n": typeof types.ModelPreferencesDocument,
    "\n  mutation ResetModelPreferences {\n    resetModelPreferences {\n      forgottenSignals\n    }\n  }\n": typeof types.ResetModelPreferencesDocument,
    "\n  mutation CancelForPreferences($id: ID!) {\n    cancelGeneration(id: $id) {\n      status\n    }\n  }\n": typeof types.CancelForPreferencesDocument,
    "\n  query ModelQualityFigures($since: DateTime, $until: DateTime) {\n    modelQuality(since: $since, until: $until) {\n      modelId\n      runs\n      succeeded\n      failed\n      successRate\n      likes\n      dislikes\n      likeRate\n      firstImageP50Seconds\n      firstImageP95Seconds\n      typicalCostPerImageUsd\n    }\n  }\n": typeof types.ModelQualityFiguresDocument,
    "\n  query PrintDownloadGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      images {\n        url\n        printFile {\n          url\n        }\n      }\n    }\n  }\n": typeof types.PrintDownloadGenerationDocument,
    "\n  mutation GeneratePrintDownload($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n    }\n  }\n": typeof types.GeneratePrintDownloadDocument,
    "\n  query PrintDownloadPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        downloads\n      }\n    }\n  }\n": typeof types.PrintDownloadPreferencesDocument,
    "\n  query PrintEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n      maxTotalUsd\n    }\n  }\n": typeof types.PrintEstimateDocument,
    "\n  fragment PrintedGenerationFields on Generation {\n    id\n    status\n    phase\n    percent\n    costUsd\n    estimatedCostUsd\n    aspectRatio\n    warning {\n      code\n      message\n    }\n    images {\n      url\n      width\n      height\n      position\n      transparent\n      printFile {\n        url\n        width\n        height\n        dpi\n        bytes\n        fileName\n      }\n    }\n  }\n": typeof types.PrintedGenerationFieldsFragmentDoc,
    "\n  mutation GeneratePrinted($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...PrintedGenerationFields\n    }\n  }\n": typeof types.GeneratePrintedDocument,
    "\n  subscription PrintedGenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n": typeof types.PrintedGenerationProgressDocument,
    "\n  query PrintedGeneration($id: ID!) {\n    generation(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n": typeof types.PrintedGenerationDocument,
    "\n  query PrintPresets {\n    printPresets {\n      id\n      width\n      height\n      dpi\n      source\n    }\n  }\n": typeof types.PrintPresetsDocument,
    "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n      retryable\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n": typeof types.GenerationFieldsFragmentDoc,
    "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n": typeof types.GenerateDocument,
    "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n": typeof types.GetGenerationDocument,
    "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n": typeof types.CancelGenerationDocument,
    "\n  mutation AddFineTune($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n": typeof types.AddFineTuneDocument,
    "\n  mutation CreateTestUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateTestUserDocument,
    "\n  mutation OpenTestUserLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n": typeof types.OpenTestUserLimitsDocument,
    "\n  mutation CreateTestUserKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n      }\n    }\n  }\n": typeof types.CreateTestUserKeyDocument,
};
const documents: Documents = {
    "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        id\n        previousSecretExpiresAt\n        signingSecretCount\n      }\n    }\n  }\n": types.RotateWebhookSecretDocument,
    "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      id\n      url\n      events\n      enabled\n      disabledReason\n    }\n  }\n": types.UpdateWebhookEndpointDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n        events\n        description\n        enabled\n      }\n    }\n  }\n": types.CreateWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n      eventId\n    }\n  }\n": types.RedeliverWebhookDocument,
    "\n  query WebhookEndpoints($userId: ID) {\n    webhookEndpoints(userId: $userId) {\n      id\n      url\n      enabled\n      disabledReason\n      failingSince\n      signingSecretCount\n      isDefault\n      deliveries(first: 50) {\n        edges {\n          node {\n            id\n            eventId\n            eventType\n            url\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n": types.WebhookEndpointsDocument,
    "\n  query GenerationWebhooks($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      webhookUrl\n      webhookDeliveries {\n        id\n        eventId\n        eventType\n        url\n        status\n        attempts\n        lastResponseCode\n        lastError\n      }\n    }\n  }\n": types.GenerationWebhooksDocument,
    "\n  query GenerationsWebhooks($withDeliveries: Boolean!) {\n    viewer {\n      generations(first: 10) {\n        nodes {\n          id\n          webhookDeliveries @include(if: $withDeliveries) {\n            id\n            eventType\n          }\n        }\n      }\n    }\n  }\n": types.GenerationsWebhooksDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": types.DeleteWebhookEndpointDocument,
    "\n  query DeletedUserName {\n    viewer {\n      id\n      name\n    }\n  }\n": types.DeletedUserNameDocument,
    "\n  mutation AdjustDeletedUser($userId: ID!) {\n    adjustBalance(userId: $userId, amountUsd: \"-1\", reason: \"goodwill\") {\n      id\n    }\n  }\n": types.AdjustDeletedUserDocument,
    "\n  mutation GenerateIdAndStatus($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n": types.GenerateIdAndStatusDocument,
    "\n  query DailyUsage {\n    viewer {\n      usage {\n        reservedUsd\n        spentUsd\n        dailyBudgetUsd\n      }\n    }\n  }\n": types.DailyUsageDocument,
    "\n  mutation SetRateAndConcurrencyLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n": types.SetRateAndConcurrencyLimitsDocument,
    "\n  query GenerationImagesCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      images {\n        url\n      }\n    }\n  }\n": types.GenerationImagesCostDocument,
    "\n  fragment UserLimitFields on User {\n    id\n    dailyBudgetUsd\n    monthlyBudgetUsd\n    rateLimitPerMinute\n    maxConcurrentGenerations\n    usesDefaultLimits\n  }\n": types.UserLimitFieldsFragmentDoc,
    "\n  mutation SetDailyAndMonthlyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\", monthlyUsd: 10 }) {\n      ...UserLimitFields\n    }\n  }\n": types.SetDailyAndMonthlyBudgetDocument,
    "\n  mutation SetRateAndConcurrency($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 5, maxConcurrentGenerations: 2 }) {\n      ...UserLimitFields\n    }\n  }\n": types.SetRateAndConcurrencyDocument,
    "\n  mutation ResetDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: null }) {\n      ...UserLimitFields\n    }\n  }\n": types.ResetDailyBudgetDocument,
    "\n  mutation SetNegativeDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"-1\" }) {\n      id\n    }\n  }\n": types.SetNegativeDailyBudgetDocument,
    "\n  mutation SetTooPreciseDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"0.0000001\" }) {\n      id\n    }\n  }\n": types.SetTooPreciseDailyBudgetDocument,
    "\n  mutation SetZeroRateLimit($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 0 }) {\n      id\n    }\n  }\n": types.SetZeroRateLimitDocument,
    "\n  mutation SetBudgetOfUnknownUser {\n    setBudget(input: { userId: \"00000000-0000-4000-8000-000000000000\", dailyUsd: 1 }) {\n      id\n    }\n  }\n": types.SetBudgetOfUnknownUserDocument,
    "\n  mutation SetDailyBudgetTo100($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: 100 }) {\n      id\n    }\n  }\n": types.SetDailyBudgetTo100Document,
    "\n  mutation AdjustBalanceByZero($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 0, reason: \"x\") {\n      id\n    }\n  }\n": types.AdjustBalanceByZeroDocument,
    "\n  mutation AdjustBalanceWithoutReason($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 1, reason: \"  \") {\n      id\n    }\n  }\n": types.AdjustBalanceWithoutReasonDocument,
    "\n  mutation SetDailyBudget1MonthlyBudget3($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1\", monthlyUsd: \"3\" }) {\n      id\n    }\n  }\n": types.SetDailyBudget1MonthlyBudget3Document,
    "\n  mutation AdjustBalanceGoodwill($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.05\", reason: \"goodwill\") {\n      kind\n      amountUsd\n      reason\n      user {\n        id\n      }\n    }\n  }\n": types.AdjustBalanceGoodwillDocument,
    "\n  query ViewerUsageInFull {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n        spentThisMonthUsd\n        activeGenerations\n        maxConcurrentGenerations\n        requestsInLastMinute\n        rateLimitPerMinute\n        day {\n          period\n          start\n          resetsAt\n          limitUsd\n          spentUsd\n          reservedUsd\n          adjustedUsd\n          remainingUsd\n        }\n        month {\n          period\n          start\n          resetsAt\n          remainingUsd\n        }\n      }\n    }\n  }\n": types.ViewerUsageInFullDocument,
    "\n  query ViewerUsageBudgets {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n      }\n    }\n  }\n": types.ViewerUsageBudgetsDocument,
    "\n  mutation SetDailyBudget1point5($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\" }) {\n      id\n    }\n  }\n": types.SetDailyBudget1point5Document,
    "\n  query BillingViewerId {\n    viewer {\n      id\n    }\n  }\n": types.BillingViewerIdDocument,
    "\n  query ViewerIdAndUsage {\n    viewer {\n      id\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n      }\n    }\n  }\n": types.ViewerIdAndUsageDocument,
    "\n  fragment UsageBesideUserFields on User {\n    name\n    dailyBudgetUsd\n    usage {\n      spentUsd\n      reservedUsd\n      activeGenerations\n    }\n  }\n": types.UsageBesideUserFieldsFragmentDoc,
    "\n  query ViewerThroughFragment {\n    viewer {\n      ...UsageBesideUserFields\n    }\n  }\n": types.ViewerThroughFragmentDocument,
    "\n  query UserUsageAsAdmin($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        usage {\n          spentUsd\n          reservedUsd\n          remainingDailyUsd\n        }\n      }\n    }\n  }\n": types.UserUsageAsAdminDocument,
    "\n  query UsageByModel($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: MODEL) {\n      key\n      model {\n        id\n      }\n      user {\n        id\n      }\n      day\n      generations\n      succeeded\n      failed\n      active\n      successRate\n      images\n      costUsd\n      heldUsd\n      averageProcessingSeconds\n    }\n  }\n": types.UsageByModelDocument,
    "\n  query UsageByUser($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: USER) {\n      key\n      user {\n        id\n      }\n      generations\n      costUsd\n    }\n  }\n": types.UsageByUserDocument,
    "\n  query UsageByDay($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: DAY) {\n      key\n      day\n      generations\n      succeeded\n    }\n  }\n": types.UsageByDayDocument,
    "\n  query UsageOverReversedRange {\n    usage(from: \"2031-11-12T00:00:00Z\", to: \"2031-11-10T00:00:00Z\", groupBy: DAY) {\n      key\n    }\n  }\n": types.UsageOverReversedRangeDocument,
    "\n  query GenerationCostsPage($from: DateTime!, $to: DateTime!, $first: Int) {\n    generationCosts(from: $from, to: $to, first: $first) {\n      nodes {\n        generationId\n        status\n        model {\n          id\n          costPerImageUsd\n        }\n        user {\n          id\n          name\n          dailyBudgetUsd\n          usage {\n            remainingDailyUsd\n          }\n        }\n        holdState\n        heldUsd\n        chargedUsd\n        processingSeconds\n      }\n    }\n  }\n": types.GenerationCostsPageDocument,
    "\n  query LedgerEntriesPage {\n    ledgerEntries(first: 200) {\n      nodes {\n        kind\n        amountUsd\n        user {\n          id\n        }\n      }\n    }\n  }\n": types.LedgerEntriesPageDocument,
    "\n  query LedgerReportInFull {\n    ledgerReport {\n      ok\n      problems\n      problemCount\n      totals {\n        entries\n        holds\n        openHolds\n        heldUsd\n        settledUsd\n        releasedUsd\n        openUsd\n      }\n    }\n  }\n": types.LedgerReportInFullDocument,
    "\n  query LedgerReportOk {\n    ledgerReport {\n      ok\n    }\n  }\n": types.LedgerReportOkDocument,
    "\n  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {\n    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {\n      id\n    }\n  }\n": types.UsageCacheSetBudgetDocument,
    "\n  mutation UsageCacheCredit($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.01\", reason: \"goodwill\") {\n      id\n    }\n  }\n": types.UsageCacheCreditDocument,
    "\n  query CachedViewerUsage {\n    viewer {\n      id\n      dailyBudgetUsd\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n        activeGenerations\n        requestsInLastMinute\n      }\n    }\n  }\n": types.CachedViewerUsageDocument,
    "\n  query ImageRatings($id: ID!) {\n    generation(id: $id) {\n      images {\n        rating\n      }\n    }\n  }\n": types.ImageRatingsDocument,
    "\n  mutation AddOfficialModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      replicateModel\n      replicateVersion\n      tier\n      aspectRatios\n      pricing {\n        kind\n        perImageUsd\n        typicalCostPerImageUsd\n        typicalCostBasis\n        source\n        asOf\n      }\n    }\n  }\n": types.AddOfficialModelDocument,
    "\n  mutation GeneratePoster($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a poster\" }) {\n      id\n    }\n  }\n": types.GeneratePosterDocument,
    "\n  query PosterCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": types.PosterCostDocument,
    "\n  query UsageByPricing($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: PRICING) {\n      key\n      pricing\n      generations\n      succeeded\n      costUsd\n    }\n  }\n": types.UsageByPricingDocument,
    "\n  query HardwareRates {\n    hardwareRates {\n      sku\n      name\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n": types.HardwareRatesDocument,
    "\n  mutation ChangeHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      sku\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n": types.ChangeHardwareRateDocument,
    "\n  query CatalogChangeLog($subject: String, $last: Int) {\n    catalogChanges(subject: $subject, last: $last) {\n      subject\n      actor\n      changedAt\n      before\n      after\n    }\n  }\n": types.CatalogChangeLogDocument,
    "\n  mutation ShopGenerate($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n      estimatedCostUsd\n    }\n  }\n": types.ShopGenerateDocument,
    "\n  mutation ShopCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n    }\n  }\n": types.ShopCancelDocument,
    "\n  query ShopGeneration($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": types.ShopGenerationDocument,
    "\n  mutation RepriceModel($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n      pricing {\n        perImageUsd\n      }\n    }\n  }\n": types.RepriceModelDocument,
    "\n  mutation ChangeShopHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      perSecondUsd\n    }\n  }\n": types.ChangeShopHardwareRateDocument,
    "\n  query SnapshotModels {\n    models {\n      id\n      name\n      costPerImageUsd\n      averageSeconds\n      pricing {\n        kind\n        perImageUsd\n        source\n        asOf\n      }\n    }\n  }\n": types.SnapshotModelsDocument,
    "\n  query SnapshotModel($id: ID!) {\n    model(id: $id) {\n      id\n      costPerImageUsd\n    }\n  }\n": types.SnapshotModelDocument,
    "\n  query SnapshotEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      maxTotalUsd\n    }\n  }\n": types.SnapshotEstimateDocument,
    "\n  mutation SnapshotReprice($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n    }\n  }\n": types.SnapshotRepriceDocument,
    "\n  mutation AddRuntimeModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n": types.AddRuntimeModelDocument,
    "\n  query OfferedModelIds {\n    models {\n      id\n    }\n  }\n": types.OfferedModelIdsDocument,
    "\n  mutation GenerateMascot($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a brand mascot\" }) {\n      id\n    }\n  }\n": types.GenerateMascotDocument,
    "\n  query MascotCost($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n": types.MascotCostDocument,
    "\n  query PrintFileSizes($id: ID!) {\n    generation(id: $id) {\n      images {\n        printFile {\n          width\n          height\n        }\n      }\n    }\n  }\n": types.PrintFileSizesDocument,
    "\n  query ExposureModels {\n    models {\n      id\n    }\n  }\n": types.ExposureModelsDocument,
    "\n  mutation InputCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      dailyBudgetUsd\n    }\n  }\n": types.InputCreateUserDocument,
    "\n      mutation InputCreateApiKey($u: ID!) {\n        createApiKey(userId: $u) {\n          key\n        }\n      }\n    ": types.InputCreateApiKeyDocument,
    "\n    mutation GenerateBufferedTotalBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  ": types.GenerateBufferedTotalBatchDocument,
    "\n    mutation RevokeStreamingKey($id: ID!) {\n      revokeApiKey(id: $id) {\n        id\n      }\n    }\n  ": types.RevokeStreamingKeyDocument,
    "\n  subscription LiveFanoutGallery {\n    myGenerations {\n      id\n      status\n      p0: prompt\n      p1: prompt\n      p2: prompt\n      p3: prompt\n      p4: prompt\n    }\n  }\n": types.LiveFanoutGalleryDocument,
    "\n  mutation LiveFanoutBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      items {\n        generation {\n          id\n        }\n      }\n    }\n  }\n": types.LiveFanoutBatchDocument,
    "\n  subscription GalleryStatuses {\n    myGenerations {\n      id\n      status\n    }\n  }\n": types.GalleryStatusesDocument,
    "\n  mutation CanaryGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n": types.CanaryGenerateDocument,
    "\n  query CanaryGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      images {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n": types.CanaryGenerationDocument,
    "\n  mutation CanaryCreateUser {\n    createUser(input: { name: \"Second\", dailyBudgetUsd: \"5\" }) {\n      id\n    }\n  }\n": types.CanaryCreateUserDocument,
    "\n    mutation GenerateSlowConsumerBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  ": types.GenerateSlowConsumerBatchDocument,
    "\n    query SlowConsumerViewer {\n      viewer {\n        id\n      }\n    }\n  ": types.SlowConsumerViewerDocument,
    "\n  query ModelsSeen {\n    models {\n      id\n    }\n  }\n": types.ModelsSeenDocument,
    "\n  mutation GenerateOnProcess($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n    }\n  }\n": types.GenerateOnProcessDocument,
    "\n  query SettledCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n    }\n  }\n": types.SettledCostDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n": types.ViewerDocument,
    "\n  query AuthModelIds {\n    models {\n      id\n    }\n  }\n": types.AuthModelIdsDocument,
    "\n  query AuthViewerId {\n    viewer {\n      id\n    }\n  }\n": types.AuthViewerIdDocument,
    "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n": types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": types.ModelDocument,
    "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n": types.EstimateCostDocument,
    "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n": types.RecommendModelDocument,
    "\n  query SmokeModels {\n    models {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": types.SmokeModelsDocument,
    "\n  mutation SmokeCreateUser {\n    createUser(input: { name: \"Ada\" }) {\n      id\n    }\n  }\n": types.SmokeCreateUserDocument,
    "\n  mutation SmokeCreateApiKey($id: ID!) {\n    createApiKey(userId: $id) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": types.SmokeCreateApiKeyDocument,
    "\n  query SmokeViewer {\n    viewer {\n      id\n      name\n    }\n  }\n": types.SmokeViewerDocument,
    "\n  query TracedTypename {\n    __typename\n  }\n": types.TracedTypenameDocument,
    "\n  query TrustedModels {\n    models {\n      id\n    }\n  }\n": types.TrustedModelsDocument,
    "\n  query TrustedViewer {\n    viewer {\n      id\n    }\n  }\n": types.TrustedViewerDocument,
    "\n  mutation GenerateWithPosition($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n": types.GenerateWithPositionDocument,
    "\n  query DeletedUserViewer {\n    viewer {\n      id\n      usage {\n        spentUsd\n      }\n    }\n  }\n": types.DeletedUserViewerDocument,
    "\n  subscription SharedGallery {\n    myGenerations {\n      id\n      status\n      percent\n    }\n  }\n": types.SharedGalleryDocument,
    "\n  query OtherUsersGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n    }\n  }\n": types.OtherUsersGenerationDocument,
    "\n  subscription GenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationFields\n    }\n  }\n": types.GenerationProgressDocument,
    "\n  query LifecycleGenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n": types.LifecycleGenerationIdDocument,
    "\n  query UnknownGenerationId {\n    generation(id: \"not-a-uuid\") {\n      id\n    }\n  }\n": types.UnknownGenerationIdDocument,
    "\n  query LifecycleGenerationsPage($after: String) {\n    viewer {\n      generations(first: 2, after: $after) {\n        nodes {\n          id\n          prompt\n        }\n        edges {\n          cursor\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.LifecycleGenerationsPageDocument,
    "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Generation {\n        prompt\n      }\n      ... on User {\n        name\n      }\n      ... on ImageModel {\n        name\n      }\n    }\n  }\n": types.NodeDocument,
    "\n  query NodesViewerId {\n    viewer {\n      id\n    }\n  }\n": types.NodesViewerIdDocument,
    "\n  query Nodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n": types.NodesDocument,
    "\n  query GenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n": types.GenerationIdDocument,
    "\n  query ViewerGenerationsPage($first: Int, $last: Int, $after: String, $before: String) {\n    viewer {\n      generations(first: $first, last: $last, after: $after, before: $before) {\n        nodes {\n          id\n        }\n        pageInfo {\n          hasNextPage\n          hasPreviousPage\n          startCursor\n          endCursor\n        }\n      }\n    }\n  }\n": types.ViewerGenerationsPageDocument,
    "\n  query ViewerGenerationImages($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n          images {\n            url\n            position\n          }\n        }\n      }\n    }\n  }\n": types.ViewerGenerationImagesDocument,
    "\n  query ViewerGenerationIds($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n": types.ViewerGenerationIdsDocument,
    "\n  query UserLedgerEntriesPage($userId: ID, $after: String) {\n    ledgerEntries(userId: $userId, first: 2, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          generationId\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.UserLedgerEntriesPageDocument,
    "\n  mutation CancelClaimed($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n      costUsd\n    }\n  }\n": types.CancelClaimedDocument,
    "\n  query QueuedPlace($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n": types.QueuedPlaceDocument,
    "\n  fragment QueueFields on Generation {\n    id\n    status\n    queuePosition\n    estimatedStartAt\n  }\n": types.QueueFieldsFragmentDoc,
    "\n  query QueuePosition($id: ID!) {\n    generation(id: $id) {\n      ...QueueFields\n    }\n  }\n": types.QueuePositionDocument,
    "\n  mutation CancelQueued($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...QueueFields\n      costUsd\n    }\n  }\n": types.CancelQueuedDocument,
    "\n  subscription QueueProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...QueueFields\n    }\n  }\n": types.QueueProgressDocument,
    "\n  fragment GenerationDetailFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n": types.GenerationDetailFieldsFragmentDoc,
    "\n  subscription GenerationProgressDetail($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n": types.GenerationProgressDetailDocument,
    "\n  subscription GalleryDetail {\n    myGenerations {\n      ...GenerationDetailFields\n    }\n  }\n": types.GalleryDetailDocument,
    "\n  mutation GenerateDetailed($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n": types.GenerateDetailedDocument,
    "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n": types.FinalizeDocument,
    "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...GenerationDetailFields\n        }\n      }\n    }\n  }\n": types.GenerateBatchDocument,
    "\n  query GetGenerationDetail($id: ID!) {\n    generation(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n": types.GetGenerationDetailDocument,
    "\n    query PlanEstimate {\n      estimateCost(input: { modelId: \"flux-1.1-pro-ultra\", count: 3, previews: 36, variationsPerPreview: 4 }) {\n        totalUsd\n        previewsUsd\n        finalsUsd\n        perImageUsd\n      }\n    }\n  ": types.PlanEstimateDocument,
    "\n    query TransparentEstimate {\n      estimateCost(input: { modelId: \"flux-dev\", count: 2, transparentBackground: true }) {\n        totalUsd\n      }\n    }\n  ": types.TransparentEstimateDocument,
    "\n  mutation GenerateX {\n    generateImage(input: { modelId: \"flux-schnell\", prompt: \"x\" }) {\n      id\n    }\n  }\n": types.GenerateXDocument,
    "\n  query PreferenceImages($id: ID!) {\n    generation(id: $id) {\n      status\n      images {\n        id\n        url\n        rating\n      }\n    }\n  }\n": types.PreferenceImagesDocument,
    "\n  mutation RateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n": types.RateImageDocument,
    "\n  query ModelPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        likes\n        dislikes\n        finalizes\n        downloads\n        cancels\n        score\n        evidence\n      }\n    }\n  }\n": types.ModelPreferencesDocument,
    "\n  mutation ResetModelPreferences {\n    resetModelPreferences {\n      forgottenSignals\n    }\n  }\n": types.ResetModelPreferencesDocument,
    "\n  mutation CancelForPreferences($id: ID!) {\n    cancelGeneration(id: $id) {\n      status\n    }\n  }\n": types.CancelForPreferencesDocument,
    "\n  query ModelQualityFigures($since: DateTime, $until: DateTime) {\n    modelQuality(since: $since, until: $until) {\n      modelId\n      runs\n      succeeded\n      failed\n      successRate\n      likes\n      dislikes\n      likeRate\n      firstImageP50Seconds\n      firstImageP95Seconds\n      typicalCostPerImageUsd\n    }\n  }\n": types.ModelQualityFiguresDocument,
    "\n  query PrintDownloadGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      images {\n        url\n        printFile {\n          url\n        }\n      }\n    }\n  }\n": types.PrintDownloadGenerationDocument,
    "\n  mutation GeneratePrintDownload($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n    }\n  }\n": types.GeneratePrintDownloadDocument,
    "\n  query PrintDownloadPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        downloads\n      }\n    }\n  }\n": types.PrintDownloadPreferencesDocument,
    "\n  query PrintEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n      maxTotalUsd\n    }\n  }\n": types.PrintEstimateDocument,
    "\n  fragment PrintedGenerationFields on Generation {\n    id\n    status\n    phase\n    percent\n    costUsd\n    estimatedCostUsd\n    aspectRatio\n    warning {\n      code\n      message\n    }\n    images {\n      url\n      width\n      height\n      position\n      transparent\n      printFile {\n        url\n        width\n        height\n        dpi\n        bytes\n        fileName\n      }\n    }\n  }\n": types.PrintedGenerationFieldsFragmentDoc,
    "\n  mutation GeneratePrinted($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...PrintedGenerationFields\n    }\n  }\n": types.GeneratePrintedDocument,
    "\n  subscription PrintedGenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n": types.PrintedGenerationProgressDocument,
    "\n  query PrintedGeneration($id: ID!) {\n    generation(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n": types.PrintedGenerationDocument,
    "\n  query PrintPresets {\n    printPresets {\n      id\n      width\n      height\n      dpi\n      source\n    }\n  }\n": types.PrintPresetsDocument,
    "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n      retryable\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n": types.GenerationFieldsFragmentDoc,
    "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n": types.GenerateDocument,
    "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n": types.GetGenerationDocument,
    "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n": types.CancelGenerationDocument,
    "\n  mutation AddFineTune($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n": types.AddFineTuneDocument,
    "\n  mutation CreateTestUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": types.CreateTestUserDocument,
    "\n  mutation OpenTestUserLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n": types.OpenTestUserLimitsDocument,
    "\n  mutation CreateTestUserKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n      }\n    }\n  }\n": types.CreateTestUserKeyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        id\n        previousSecretExpiresAt\n        signingSecretCount\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        id\n        previousSecretExpiresAt\n        signingSecretCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      id\n      url\n      events\n      enabled\n      disabledReason\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      id\n      url\n      events\n      enabled\n      disabledReason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n        events\n        description\n        enabled\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n        events\n        description\n        enabled\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n      eventId\n    }\n  }\n"): (typeof documents)["\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n      eventId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookEndpoints($userId: ID) {\n    webhookEndpoints(userId: $userId) {\n      id\n      url\n      enabled\n      disabledReason\n      failingSince\n      signingSecretCount\n      isDefault\n      deliveries(first: 50) {\n        edges {\n          node {\n            id\n            eventId\n            eventType\n            url\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookEndpoints($userId: ID) {\n    webhookEndpoints(userId: $userId) {\n      id\n      url\n      enabled\n      disabledReason\n      failingSince\n      signingSecretCount\n      isDefault\n      deliveries(first: 50) {\n        edges {\n          node {\n            id\n            eventId\n            eventType\n            url\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationWebhooks($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      webhookUrl\n      webhookDeliveries {\n        id\n        eventId\n        eventType\n        url\n        status\n        attempts\n        lastResponseCode\n        lastError\n      }\n    }\n  }\n"): (typeof documents)["\n  query GenerationWebhooks($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      webhookUrl\n      webhookDeliveries {\n        id\n        eventId\n        eventType\n        url\n        status\n        attempts\n        lastResponseCode\n        lastError\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationsWebhooks($withDeliveries: Boolean!) {\n    viewer {\n      generations(first: 10) {\n        nodes {\n          id\n          webhookDeliveries @include(if: $withDeliveries) {\n            id\n            eventType\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query GenerationsWebhooks($withDeliveries: Boolean!) {\n    viewer {\n      generations(first: 10) {\n        nodes {\n          id\n          webhookDeliveries @include(if: $withDeliveries) {\n            id\n            eventType\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletedUserName {\n    viewer {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query DeletedUserName {\n    viewer {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustDeletedUser($userId: ID!) {\n    adjustBalance(userId: $userId, amountUsd: \"-1\", reason: \"goodwill\") {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustDeletedUser($userId: ID!) {\n    adjustBalance(userId: $userId, amountUsd: \"-1\", reason: \"goodwill\") {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateIdAndStatus($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateIdAndStatus($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DailyUsage {\n    viewer {\n      usage {\n        reservedUsd\n        spentUsd\n        dailyBudgetUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  query DailyUsage {\n    viewer {\n      usage {\n        reservedUsd\n        spentUsd\n        dailyBudgetUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetRateAndConcurrencyLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetRateAndConcurrencyLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationImagesCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      images {\n        url\n      }\n    }\n  }\n"): (typeof documents)["\n  query GenerationImagesCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      images {\n        url\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserLimitFields on User {\n    id\n    dailyBudgetUsd\n    monthlyBudgetUsd\n    rateLimitPerMinute\n    maxConcurrentGenerations\n    usesDefaultLimits\n  }\n"): (typeof documents)["\n  fragment UserLimitFields on User {\n    id\n    dailyBudgetUsd\n    monthlyBudgetUsd\n    rateLimitPerMinute\n    maxConcurrentGenerations\n    usesDefaultLimits\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDailyAndMonthlyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\", monthlyUsd: 10 }) {\n      ...UserLimitFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetDailyAndMonthlyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\", monthlyUsd: 10 }) {\n      ...UserLimitFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetRateAndConcurrency($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 5, maxConcurrentGenerations: 2 }) {\n      ...UserLimitFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetRateAndConcurrency($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 5, maxConcurrentGenerations: 2 }) {\n      ...UserLimitFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: null }) {\n      ...UserLimitFields\n    }\n  }\n"): (typeof documents)["\n  mutation ResetDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: null }) {\n      ...UserLimitFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNegativeDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"-1\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetNegativeDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"-1\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetTooPreciseDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"0.0000001\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetTooPreciseDailyBudget($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"0.0000001\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetZeroRateLimit($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 0 }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetZeroRateLimit($id: ID!) {\n    setLimits(input: { userId: $id, ratePerMinute: 0 }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetBudgetOfUnknownUser {\n    setBudget(input: { userId: \"00000000-0000-4000-8000-000000000000\", dailyUsd: 1 }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetBudgetOfUnknownUser {\n    setBudget(input: { userId: \"00000000-0000-4000-8000-000000000000\", dailyUsd: 1 }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDailyBudgetTo100($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: 100 }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetDailyBudgetTo100($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: 100 }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustBalanceByZero($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 0, reason: \"x\") {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustBalanceByZero($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 0, reason: \"x\") {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustBalanceWithoutReason($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 1, reason: \"  \") {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustBalanceWithoutReason($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: 1, reason: \"  \") {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDailyBudget1MonthlyBudget3($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1\", monthlyUsd: \"3\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetDailyBudget1MonthlyBudget3($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1\", monthlyUsd: \"3\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustBalanceGoodwill($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.05\", reason: \"goodwill\") {\n      kind\n      amountUsd\n      reason\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustBalanceGoodwill($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.05\", reason: \"goodwill\") {\n      kind\n      amountUsd\n      reason\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerUsageInFull {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n        spentThisMonthUsd\n        activeGenerations\n        maxConcurrentGenerations\n        requestsInLastMinute\n        rateLimitPerMinute\n        day {\n          period\n          start\n          resetsAt\n          limitUsd\n          spentUsd\n          reservedUsd\n          adjustedUsd\n          remainingUsd\n        }\n        month {\n          period\n          start\n          resetsAt\n          remainingUsd\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerUsageInFull {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n        spentThisMonthUsd\n        activeGenerations\n        maxConcurrentGenerations\n        requestsInLastMinute\n        rateLimitPerMinute\n        day {\n          period\n          start\n          resetsAt\n          limitUsd\n          spentUsd\n          reservedUsd\n          adjustedUsd\n          remainingUsd\n        }\n        month {\n          period\n          start\n          resetsAt\n          remainingUsd\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerUsageBudgets {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerUsageBudgets {\n    viewer {\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        monthlyBudgetUsd\n        remainingDailyUsd\n        remainingMonthlyUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDailyBudget1point5($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetDailyBudget1point5($id: ID!) {\n    setBudget(input: { userId: $id, dailyUsd: \"1.5\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BillingViewerId {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query BillingViewerId {\n    viewer {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerIdAndUsage {\n    viewer {\n      id\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerIdAndUsage {\n    viewer {\n      id\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UsageBesideUserFields on User {\n    name\n    dailyBudgetUsd\n    usage {\n      spentUsd\n      reservedUsd\n      activeGenerations\n    }\n  }\n"): (typeof documents)["\n  fragment UsageBesideUserFields on User {\n    name\n    dailyBudgetUsd\n    usage {\n      spentUsd\n      reservedUsd\n      activeGenerations\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerThroughFragment {\n    viewer {\n      ...UsageBesideUserFields\n    }\n  }\n"): (typeof documents)["\n  query ViewerThroughFragment {\n    viewer {\n      ...UsageBesideUserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserUsageAsAdmin($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        usage {\n          spentUsd\n          reservedUsd\n          remainingDailyUsd\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserUsageAsAdmin($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        usage {\n          spentUsd\n          reservedUsd\n          remainingDailyUsd\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageByModel($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: MODEL) {\n      key\n      model {\n        id\n      }\n      user {\n        id\n      }\n      day\n      generations\n      succeeded\n      failed\n      active\n      successRate\n      images\n      costUsd\n      heldUsd\n      averageProcessingSeconds\n    }\n  }\n"): (typeof documents)["\n  query UsageByModel($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: MODEL) {\n      key\n      model {\n        id\n      }\n      user {\n        id\n      }\n      day\n      generations\n      succeeded\n      failed\n      active\n      successRate\n      images\n      costUsd\n      heldUsd\n      averageProcessingSeconds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageByUser($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: USER) {\n      key\n      user {\n        id\n      }\n      generations\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  query UsageByUser($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: USER) {\n      key\n      user {\n        id\n      }\n      generations\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageByDay($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: DAY) {\n      key\n      day\n      generations\n      succeeded\n    }\n  }\n"): (typeof documents)["\n  query UsageByDay($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: DAY) {\n      key\n      day\n      generations\n      succeeded\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageOverReversedRange {\n    usage(from: \"2031-11-12T00:00:00Z\", to: \"2031-11-10T00:00:00Z\", groupBy: DAY) {\n      key\n    }\n  }\n"): (typeof documents)["\n  query UsageOverReversedRange {\n    usage(from: \"2031-11-12T00:00:00Z\", to: \"2031-11-10T00:00:00Z\", groupBy: DAY) {\n      key\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationCostsPage($from: DateTime!, $to: DateTime!, $first: Int) {\n    generationCosts(from: $from, to: $to, first: $first) {\n      nodes {\n        generationId\n        status\n        model {\n          id\n          costPerImageUsd\n        }\n        user {\n          id\n          name\n          dailyBudgetUsd\n          usage {\n            remainingDailyUsd\n          }\n        }\n        holdState\n        heldUsd\n        chargedUsd\n        processingSeconds\n      }\n    }\n  }\n"): (typeof documents)["\n  query GenerationCostsPage($from: DateTime!, $to: DateTime!, $first: Int) {\n    generationCosts(from: $from, to: $to, first: $first) {\n      nodes {\n        generationId\n        status\n        model {\n          id\n          costPerImageUsd\n        }\n        user {\n          id\n          name\n          dailyBudgetUsd\n          usage {\n            remainingDailyUsd\n          }\n        }\n        holdState\n        heldUsd\n        chargedUsd\n        processingSeconds\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LedgerEntriesPage {\n    ledgerEntries(first: 200) {\n      nodes {\n        kind\n        amountUsd\n        user {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query LedgerEntriesPage {\n    ledgerEntries(first: 200) {\n      nodes {\n        kind\n        amountUsd\n        user {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LedgerReportInFull {\n    ledgerReport {\n      ok\n      problems\n      problemCount\n      totals {\n        entries\n        holds\n        openHolds\n        heldUsd\n        settledUsd\n        releasedUsd\n        openUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  query LedgerReportInFull {\n    ledgerReport {\n      ok\n      problems\n      problemCount\n      totals {\n        entries\n        holds\n        openHolds\n        heldUsd\n        settledUsd\n        releasedUsd\n        openUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LedgerReportOk {\n    ledgerReport {\n      ok\n    }\n  }\n"): (typeof documents)["\n  query LedgerReportOk {\n    ledgerReport {\n      ok\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {\n    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {\n    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UsageCacheCredit($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.01\", reason: \"goodwill\") {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UsageCacheCredit($id: ID!) {\n    adjustBalance(userId: $id, amountUsd: \"-0.01\", reason: \"goodwill\") {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CachedViewerUsage {\n    viewer {\n      id\n      dailyBudgetUsd\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n        activeGenerations\n        requestsInLastMinute\n      }\n    }\n  }\n"): (typeof documents)["\n  query CachedViewerUsage {\n    viewer {\n      id\n      dailyBudgetUsd\n      usage {\n        spentUsd\n        reservedUsd\n        remainingDailyUsd\n        activeGenerations\n        requestsInLastMinute\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImageRatings($id: ID!) {\n    generation(id: $id) {\n      images {\n        rating\n      }\n    }\n  }\n"): (typeof documents)["\n  query ImageRatings($id: ID!) {\n    generation(id: $id) {\n      images {\n        rating\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddOfficialModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      replicateModel\n      replicateVersion\n      tier\n      aspectRatios\n      pricing {\n        kind\n        perImageUsd\n        typicalCostPerImageUsd\n        typicalCostBasis\n        source\n        asOf\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddOfficialModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      replicateModel\n      replicateVersion\n      tier\n      aspectRatios\n      pricing {\n        kind\n        perImageUsd\n        typicalCostPerImageUsd\n        typicalCostBasis\n        source\n        asOf\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GeneratePoster($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a poster\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation GeneratePoster($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a poster\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PosterCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"): (typeof documents)["\n  query PosterCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageByPricing($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: PRICING) {\n      key\n      pricing\n      generations\n      succeeded\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  query UsageByPricing($from: DateTime!, $to: DateTime!) {\n    usage(from: $from, to: $to, groupBy: PRICING) {\n      key\n      pricing\n      generations\n      succeeded\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HardwareRates {\n    hardwareRates {\n      sku\n      name\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n"): (typeof documents)["\n  query HardwareRates {\n    hardwareRates {\n      sku\n      name\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      sku\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      sku\n      perSecondUsd\n      source\n      asOf\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CatalogChangeLog($subject: String, $last: Int) {\n    catalogChanges(subject: $subject, last: $last) {\n      subject\n      actor\n      changedAt\n      before\n      after\n    }\n  }\n"): (typeof documents)["\n  query CatalogChangeLog($subject: String, $last: Int) {\n    catalogChanges(subject: $subject, last: $last) {\n      subject\n      actor\n      changedAt\n      before\n      after\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShopGenerate($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n      estimatedCostUsd\n    }\n  }\n"): (typeof documents)["\n  mutation ShopGenerate($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n      estimatedCostUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShopCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ShopCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopGeneration($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"): (typeof documents)["\n  query ShopGeneration($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RepriceModel($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n      pricing {\n        perImageUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RepriceModel($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n      pricing {\n        perImageUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeShopHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      perSecondUsd\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeShopHardwareRate($input: SetHardwareRateInput!) {\n    setHardwareRate(input: $input) {\n      perSecondUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SnapshotModels {\n    models {\n      id\n      name\n      costPerImageUsd\n      averageSeconds\n      pricing {\n        kind\n        perImageUsd\n        source\n        asOf\n      }\n    }\n  }\n"): (typeof documents)["\n  query SnapshotModels {\n    models {\n      id\n      name\n      costPerImageUsd\n      averageSeconds\n      pricing {\n        kind\n        perImageUsd\n        source\n        asOf\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SnapshotModel($id: ID!) {\n    model(id: $id) {\n      id\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query SnapshotModel($id: ID!) {\n    model(id: $id) {\n      id\n      costPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SnapshotEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      maxTotalUsd\n    }\n  }\n"): (typeof documents)["\n  query SnapshotEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      maxTotalUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SnapshotReprice($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SnapshotReprice($input: UpdateModelInput!) {\n    updateModel(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddRuntimeModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddRuntimeModel($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OfferedModelIds {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query OfferedModelIds {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateMascot($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a brand mascot\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateMascot($modelId: ID!) {\n    generateImage(input: { modelId: $modelId, prompt: \"a brand mascot\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MascotCost($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"): (typeof documents)["\n  query MascotCost($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      estimatedCostUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintFileSizes($id: ID!) {\n    generation(id: $id) {\n      images {\n        printFile {\n          width\n          height\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PrintFileSizes($id: ID!) {\n    generation(id: $id) {\n      images {\n        printFile {\n          width\n          height\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExposureModels {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ExposureModels {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InputCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      dailyBudgetUsd\n    }\n  }\n"): (typeof documents)["\n  mutation InputCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      dailyBudgetUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n      mutation InputCreateApiKey($u: ID!) {\n        createApiKey(userId: $u) {\n          key\n        }\n      }\n    "): (typeof documents)["\n      mutation InputCreateApiKey($u: ID!) {\n        createApiKey(userId: $u) {\n          key\n        }\n      }\n    "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation GenerateBufferedTotalBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  "): (typeof documents)["\n    mutation GenerateBufferedTotalBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation RevokeStreamingKey($id: ID!) {\n      revokeApiKey(id: $id) {\n        id\n      }\n    }\n  "): (typeof documents)["\n    mutation RevokeStreamingKey($id: ID!) {\n      revokeApiKey(id: $id) {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveFanoutGallery {\n    myGenerations {\n      id\n      status\n      p0: prompt\n      p1: prompt\n      p2: prompt\n      p3: prompt\n      p4: prompt\n    }\n  }\n"): (typeof documents)["\n  subscription LiveFanoutGallery {\n    myGenerations {\n      id\n      status\n      p0: prompt\n      p1: prompt\n      p2: prompt\n      p3: prompt\n      p4: prompt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LiveFanoutBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      items {\n        generation {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation LiveFanoutBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      items {\n        generation {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GalleryStatuses {\n    myGenerations {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  subscription GalleryStatuses {\n    myGenerations {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CanaryGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation CanaryGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanaryGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      images {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query CanaryGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      costUsd\n      images {\n        url\n      }\n      error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CanaryCreateUser {\n    createUser(input: { name: \"Second\", dailyBudgetUsd: \"5\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CanaryCreateUser {\n    createUser(input: { name: \"Second\", dailyBudgetUsd: \"5\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation GenerateSlowConsumerBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  "): (typeof documents)["\n    mutation GenerateSlowConsumerBatch($inputs: [GenerateImageInput!]!) {\n      generateImages(inputs: $inputs) {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query SlowConsumerViewer {\n      viewer {\n        id\n      }\n    }\n  "): (typeof documents)["\n    query SlowConsumerViewer {\n      viewer {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelsSeen {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ModelsSeen {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateOnProcess($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateOnProcess($modelId: ID!, $prompt: String!) {\n    generateImage(input: { modelId: $modelId, prompt: $prompt }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SettledCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  query SettledCost($id: ID!) {\n    generation(id: $id) {\n      status\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuthModelIds {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query AuthModelIds {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuthViewerId {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query AuthViewerId {\n    viewer {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n"): (typeof documents)["\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n"): (typeof documents)["\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SmokeModels {\n    models {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query SmokeModels {\n    models {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SmokeCreateUser {\n    createUser(input: { name: \"Ada\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SmokeCreateUser {\n    createUser(input: { name: \"Ada\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SmokeCreateApiKey($id: ID!) {\n    createApiKey(userId: $id) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SmokeCreateApiKey($id: ID!) {\n    createApiKey(userId: $id) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SmokeViewer {\n    viewer {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query SmokeViewer {\n    viewer {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TracedTypename {\n    __typename\n  }\n"): (typeof documents)["\n  query TracedTypename {\n    __typename\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TrustedModels {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query TrustedModels {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TrustedViewer {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query TrustedViewer {\n    viewer {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateWithPosition($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateWithPosition($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletedUserViewer {\n    viewer {\n      id\n      usage {\n        spentUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  query DeletedUserViewer {\n    viewer {\n      id\n      usage {\n        spentUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SharedGallery {\n    myGenerations {\n      id\n      status\n      percent\n    }\n  }\n"): (typeof documents)["\n  subscription SharedGallery {\n    myGenerations {\n      id\n      status\n      percent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OtherUsersGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  query OtherUsersGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  subscription GenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LifecycleGenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query LifecycleGenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnknownGenerationId {\n    generation(id: \"not-a-uuid\") {\n      id\n    }\n  }\n"): (typeof documents)["\n  query UnknownGenerationId {\n    generation(id: \"not-a-uuid\") {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LifecycleGenerationsPage($after: String) {\n    viewer {\n      generations(first: 2, after: $after) {\n        nodes {\n          id\n          prompt\n        }\n        edges {\n          cursor\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query LifecycleGenerationsPage($after: String) {\n    viewer {\n      generations(first: 2, after: $after) {\n        nodes {\n          id\n          prompt\n        }\n        edges {\n          cursor\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Generation {\n        prompt\n      }\n      ... on User {\n        name\n      }\n      ... on ImageModel {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Generation {\n        prompt\n      }\n      ... on User {\n        name\n      }\n      ... on ImageModel {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodesViewerId {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query NodesViewerId {\n    viewer {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Nodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n"): (typeof documents)["\n  query Nodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query GenerationId($id: ID!) {\n    generation(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerGenerationsPage($first: Int, $last: Int, $after: String, $before: String) {\n    viewer {\n      generations(first: $first, last: $last, after: $after, before: $before) {\n        nodes {\n          id\n        }\n        pageInfo {\n          hasNextPage\n          hasPreviousPage\n          startCursor\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerGenerationsPage($first: Int, $last: Int, $after: String, $before: String) {\n    viewer {\n      generations(first: $first, last: $last, after: $after, before: $before) {\n        nodes {\n          id\n        }\n        pageInfo {\n          hasNextPage\n          hasPreviousPage\n          startCursor\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerGenerationImages($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n          images {\n            url\n            position\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerGenerationImages($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n          images {\n            url\n            position\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerGenerationIds($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerGenerationIds($first: Int) {\n    viewer {\n      generations(first: $first) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserLedgerEntriesPage($userId: ID, $after: String) {\n    ledgerEntries(userId: $userId, first: 2, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          generationId\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserLedgerEntriesPage($userId: ID, $after: String) {\n    ledgerEntries(userId: $userId, first: 2, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          generationId\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelClaimed($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  mutation CancelClaimed($id: ID!) {\n    cancelGeneration(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query QueuedPlace($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n"): (typeof documents)["\n  query QueuedPlace($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      queuePosition\n      estimatedStartAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment QueueFields on Generation {\n    id\n    status\n    queuePosition\n    estimatedStartAt\n  }\n"): (typeof documents)["\n  fragment QueueFields on Generation {\n    id\n    status\n    queuePosition\n    estimatedStartAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query QueuePosition($id: ID!) {\n    generation(id: $id) {\n      ...QueueFields\n    }\n  }\n"): (typeof documents)["\n  query QueuePosition($id: ID!) {\n    generation(id: $id) {\n      ...QueueFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelQueued($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...QueueFields\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  mutation CancelQueued($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...QueueFields\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription QueueProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...QueueFields\n    }\n  }\n"): (typeof documents)["\n  subscription QueueProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...QueueFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GenerationDetailFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment GenerationDetailFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GenerationProgressDetail($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n"): (typeof documents)["\n  subscription GenerationProgressDetail($id: ID!) {\n    generationProgress(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GalleryDetail {\n    myGenerations {\n      ...GenerationDetailFields\n    }\n  }\n"): (typeof documents)["\n  subscription GalleryDetail {\n    myGenerations {\n      ...GenerationDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateDetailed($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateDetailed($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n"): (typeof documents)["\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...GenerationDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...GenerationDetailFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...GenerationDetailFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetGenerationDetail($id: ID!) {\n    generation(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n"): (typeof documents)["\n  query GetGenerationDetail($id: ID!) {\n    generation(id: $id) {\n      ...GenerationDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query PlanEstimate {\n      estimateCost(input: { modelId: \"flux-1.1-pro-ultra\", count: 3, previews: 36, variationsPerPreview: 4 }) {\n        totalUsd\n        previewsUsd\n        finalsUsd\n        perImageUsd\n      }\n    }\n  "): (typeof documents)["\n    query PlanEstimate {\n      estimateCost(input: { modelId: \"flux-1.1-pro-ultra\", count: 3, previews: 36, variationsPerPreview: 4 }) {\n        totalUsd\n        previewsUsd\n        finalsUsd\n        perImageUsd\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query TransparentEstimate {\n      estimateCost(input: { modelId: \"flux-dev\", count: 2, transparentBackground: true }) {\n        totalUsd\n      }\n    }\n  "): (typeof documents)["\n    query TransparentEstimate {\n      estimateCost(input: { modelId: \"flux-dev\", count: 2, transparentBackground: true }) {\n        totalUsd\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateX {\n    generateImage(input: { modelId: \"flux-schnell\", prompt: \"x\" }) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateX {\n    generateImage(input: { modelId: \"flux-schnell\", prompt: \"x\" }) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreferenceImages($id: ID!) {\n    generation(id: $id) {\n      status\n      images {\n        id\n        url\n        rating\n      }\n    }\n  }\n"): (typeof documents)["\n  query PreferenceImages($id: ID!) {\n    generation(id: $id) {\n      status\n      images {\n        id\n        url\n        rating\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n"): (typeof documents)["\n  mutation RateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        likes\n        dislikes\n        finalizes\n        downloads\n        cancels\n        score\n        evidence\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        likes\n        dislikes\n        finalizes\n        downloads\n        cancels\n        score\n        evidence\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetModelPreferences {\n    resetModelPreferences {\n      forgottenSignals\n    }\n  }\n"): (typeof documents)["\n  mutation ResetModelPreferences {\n    resetModelPreferences {\n      forgottenSignals\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelForPreferences($id: ID!) {\n    cancelGeneration(id: $id) {\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation CancelForPreferences($id: ID!) {\n    cancelGeneration(id: $id) {\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelQualityFigures($since: DateTime, $until: DateTime) {\n    modelQuality(since: $since, until: $until) {\n      modelId\n      runs\n      succeeded\n      failed\n      successRate\n      likes\n      dislikes\n      likeRate\n      firstImageP50Seconds\n      firstImageP95Seconds\n      typicalCostPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query ModelQualityFigures($since: DateTime, $until: DateTime) {\n    modelQuality(since: $since, until: $until) {\n      modelId\n      runs\n      succeeded\n      failed\n      successRate\n      likes\n      dislikes\n      likeRate\n      firstImageP50Seconds\n      firstImageP95Seconds\n      typicalCostPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintDownloadGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      images {\n        url\n        printFile {\n          url\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PrintDownloadGeneration($id: ID!) {\n    generation(id: $id) {\n      id\n      status\n      images {\n        url\n        printFile {\n          url\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GeneratePrintDownload($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation GeneratePrintDownload($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintDownloadPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        downloads\n      }\n    }\n  }\n"): (typeof documents)["\n  query PrintDownloadPreferences {\n    viewer {\n      modelPreferences {\n        modelId\n        downloads\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n      maxTotalUsd\n    }\n  }\n"): (typeof documents)["\n  query PrintEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n      maxTotalUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PrintedGenerationFields on Generation {\n    id\n    status\n    phase\n    percent\n    costUsd\n    estimatedCostUsd\n    aspectRatio\n    warning {\n      code\n      message\n    }\n    images {\n      url\n      width\n      height\n      position\n      transparent\n      printFile {\n        url\n        width\n        height\n        dpi\n        bytes\n        fileName\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment PrintedGenerationFields on Generation {\n    id\n    status\n    phase\n    percent\n    costUsd\n    estimatedCostUsd\n    aspectRatio\n    warning {\n      code\n      message\n    }\n    images {\n      url\n      width\n      height\n      position\n      transparent\n      printFile {\n        url\n        width\n        height\n        dpi\n        bytes\n        fileName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GeneratePrinted($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...PrintedGenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation GeneratePrinted($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...PrintedGenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PrintedGenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n"): (typeof documents)["\n  subscription PrintedGenerationProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintedGeneration($id: ID!) {\n    generation(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n"): (typeof documents)["\n  query PrintedGeneration($id: ID!) {\n    generation(id: $id) {\n      ...PrintedGenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PrintPresets {\n    printPresets {\n      id\n      width\n      height\n      dpi\n      source\n    }\n  }\n"): (typeof documents)["\n  query PrintPresets {\n    printPresets {\n      id\n      width\n      height\n      dpi\n      source\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n      retryable\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n"): (typeof documents)["\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n      retryable\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddFineTune($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddFineTune($input: AddModelInput!) {\n    addModel(input: $input) {\n      id\n      pricing {\n        kind\n        perSecondUsd\n        hardware\n        maxSeconds\n        maxCostPerPredictionUsd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTestUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTestUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OpenTestUserLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation OpenTestUserLimits($input: SetLimitsInput!) {\n    setLimits(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTestUserKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTestUserKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;