import VisibilityEngine

/// Response bodies in the providers' exact wire formats.
enum ProviderFixtures {
    static let openAISuccess = """
        {"id":"chatcmpl-AbC123","object":"chat.completion","created":1727000000,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":"1. **HubSpot** – great free CRM.\\n2. Salesforce","refusal":null},
                     "logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500},
         "system_fingerprint":"fp_abc"}
        """

    static let perplexitySuccess = """
        {"id":"pplx-9f8e","model":"sonar","created":1727000000,"object":"chat.completion",
         "citations":["https://www.hubspot.com/products/crm","https://www.g2.com/categories/crm"],
         "search_results":[{"title":"HubSpot CRM","url":"https://www.hubspot.com/products/crm"},
                           {"title":"Zoho","url":"https://www.zoho.com/crm/"}],
         "related_questions":["Is HubSpot free forever?","How does Pipedrive compare?"],
         "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Salesforce and Pipedrive lead [1][2]."}}],
         "usage":{"prompt_tokens":12,"completion_tokens":40,"total_tokens":52}}
        """

    static let openAIRateLimited = """
        {"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}
        """

    static let openAIInvalidKey = """
        {"error":{"message":"Incorrect API key provided: sk-test.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
        """

    static let geminiSuccess = """
        {"candidates":[{"content":{"parts":[{"text":"For CRM, **HubSpot** is popular. "},{"text":"Salesforce suits enterprises."}],"role":"model"},
          "finishReason":"STOP",
          "groundingMetadata":{"webSearchQueries":["best crm"],
            "groundingChunks":[
              {"web":{"uri":"https://vertexaisearch.cloud.google.com/grounding-api-redirect/AbF9xyz","title":"hubspot.com"}},
              {"web":{"uri":"https://www.salesforce.com/crm/","title":"Salesforce CRM overview"}}]}}],
         "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":25,"totalTokenCount":33},
         "modelVersion":"gemini-2.5-flash-001","responseId":"resp-gem-42"}
        """

    static let geminiBadRequest = """
        {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}
        """

    static let geminiUnavailable = """
        {"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}
        """

    static let prices = PriceTable([
        "gpt-4o": .init(inputPerMillionTokens: 1_000_000, outputPerMillionTokens: 2_000_000),
        "gemini-2.5-flash": .init(inputPerMillionTokens: 300_000, outputPerMillionTokens: 2_500_000),
    ])

    static let fastRetries = RetryPolicy(
        maximumAttempts: 3, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(20), requestTimeout: .seconds(5))
}
