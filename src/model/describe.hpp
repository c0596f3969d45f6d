// Member lists of the model structs, read by the JSON helper (json_io.hpp). They live here, not
// in the public headers, so that Boost.JSON's built-in (too strict) described-struct conversion
// can never be picked for a model type by accident. `extra` is never listed: the helper treats
// it as the home of unknown keys.
#pragma once

#include <gemini/model.hpp>

#include <boost/describe/class.hpp>

namespace gemini {

// annotation.hpp
BOOST_DESCRIBE_STRUCT(url_citation, (), (url, title, start_index, end_index))
BOOST_DESCRIBE_STRUCT(file_citation, (), (document_uri, file_name, source, page_number, media_id,
                                          custom_metadata, start_index, end_index))
BOOST_DESCRIBE_STRUCT(place_citation, (), (place_id, name, url, review_snippets, start_index, end_index))
BOOST_DESCRIBE_STRUCT(speech_metadata, (), (speaker, style, start_index, end_index))
BOOST_DESCRIBE_STRUCT(word_info, (), (text, start_offset, end_offset, speaker, start_index, end_index))

// content.hpp
BOOST_DESCRIBE_STRUCT(text_content, (), (text, annotations))
BOOST_DESCRIBE_STRUCT(image_content, (), (data, uri, mime_type, resolution))
BOOST_DESCRIBE_STRUCT(audio_content, (), (data, uri, mime_type, sample_rate, channels))
BOOST_DESCRIBE_STRUCT(document_content, (), (data, uri, mime_type))
BOOST_DESCRIBE_STRUCT(video_content, (), (data, uri, mime_type, resolution, name, processing))

// step.hpp
BOOST_DESCRIBE_STRUCT(rpc_status, (), (code, message, details))
BOOST_DESCRIBE_STRUCT(user_input_step, (), (content))
BOOST_DESCRIBE_STRUCT(model_output_step, (), (content, error))
BOOST_DESCRIBE_STRUCT(thought_step, (), (signature, summary))
BOOST_DESCRIBE_STRUCT(function_call_step, (), (id, name, arguments, signature))
BOOST_DESCRIBE_STRUCT(function_result_step, (), (call_id, name, result, is_error, signature))
BOOST_DESCRIBE_STRUCT(code_execution_arguments, (), (code, language))
BOOST_DESCRIBE_STRUCT(code_execution_call_step, (), (id, arguments, signature))
BOOST_DESCRIBE_STRUCT(code_execution_result_step, (), (call_id, result, is_error, signature))
BOOST_DESCRIBE_STRUCT(url_context_arguments, (), (urls))
BOOST_DESCRIBE_STRUCT(url_context_call_step, (), (id, arguments, signature))
BOOST_DESCRIBE_STRUCT(url_context_result_entry, (), (url, status))
BOOST_DESCRIBE_STRUCT(url_context_result_step, (), (call_id, result, is_error, signature))
BOOST_DESCRIBE_STRUCT(search_arguments, (), (queries))
BOOST_DESCRIBE_STRUCT(google_search_call_step, (), (id, arguments, search_type, signature))
BOOST_DESCRIBE_STRUCT(google_search_result_entry, (), (search_suggestions))
BOOST_DESCRIBE_STRUCT(google_search_result_step, (), (call_id, result, is_error, signature))
BOOST_DESCRIBE_STRUCT(google_maps_call_step, (), (id, arguments, signature))
BOOST_DESCRIBE_STRUCT(google_maps_result_entry, (), (places, widget_context_token))
BOOST_DESCRIBE_STRUCT(google_maps_result_step, (), (call_id, result, is_error, signature))
BOOST_DESCRIBE_STRUCT(file_search_call_step, (), (id, signature))
BOOST_DESCRIBE_STRUCT(file_search_result_step, (), (call_id, result, signature))
BOOST_DESCRIBE_STRUCT(mcp_server_tool_call_step, (), (id, name, server_name, arguments, signature))
BOOST_DESCRIBE_STRUCT(mcp_server_tool_result_step, (), (call_id, name, server_name, result, signature))
BOOST_DESCRIBE_STRUCT(retrieval_call_step, (), (id, arguments, retrieval_type, signature))
BOOST_DESCRIBE_STRUCT(retrieval_result_step, (), (call_id, is_error, signature))
BOOST_DESCRIBE_STRUCT(processing_call_step, (), (id, signature))
BOOST_DESCRIBE_STRUCT(processing_result_step, (), (call_id, signature))

// tool.hpp
BOOST_DESCRIBE_STRUCT(function_tool, (), (name, description, parameters))
BOOST_DESCRIBE_STRUCT(google_search_tool, (), (search_types))
BOOST_DESCRIBE_STRUCT(code_execution_tool, (), ())
BOOST_DESCRIBE_STRUCT(url_context_tool, (), ())
BOOST_DESCRIBE_STRUCT(google_maps_tool, (), (enable_widget, latitude, longitude))
BOOST_DESCRIBE_STRUCT(file_search_tool, (), (file_search_store_names, top_k, metadata_filter))
BOOST_DESCRIBE_STRUCT(allowed_tools, (), (mode, tools))
BOOST_DESCRIBE_STRUCT(mcp_server_tool, (), (name, url, headers, allowed_tools))
BOOST_DESCRIBE_STRUCT(computer_use_tool, (), (environment, excluded_predefined_functions,
                                              disabled_safety_policies, enable_prompt_injection_detection))
BOOST_DESCRIBE_STRUCT(retrieval_tool, (), (retrieval_types, vertex_ai_search_config, rag_store_config,
                                           exa_ai_search_config, parallel_ai_search_config))

// config.hpp
BOOST_DESCRIBE_STRUCT(allowed_tools_choice, (), (allowed_tools))
BOOST_DESCRIBE_STRUCT(generation_config, (), (max_output_tokens, seed, stop_sequences, temperature, top_p,
                                              top_k, thinking_level, thinking_summaries, tool_choice,
                                              speech_config, transcription_config, video_config, image_config))
BOOST_DESCRIBE_STRUCT(text_format, (), (mime_type, schema))
BOOST_DESCRIBE_STRUCT(image_format, (), (aspect_ratio, image_size, mime_type, delivery))
BOOST_DESCRIBE_STRUCT(audio_format, (), (mime_type, sample_rate, bit_rate, delivery))
BOOST_DESCRIBE_STRUCT(video_format, (), (aspect_ratio, resolution, duration, gcs_uri, delivery))
BOOST_DESCRIBE_STRUCT(deep_research_config, (), (thinking_summaries, visualization, collaborative_planning,
                                                 enable_bigquery_tool))
BOOST_DESCRIBE_STRUCT(antigravity_config, (), (model, max_total_tokens))
BOOST_DESCRIBE_STRUCT(safety_setting, (), (type, threshold, method))

// request.hpp
BOOST_DESCRIBE_STRUCT(webhook_config, (), (uris, user_metadata))
BOOST_DESCRIBE_STRUCT(request, (), (model, agent, input, system_instruction, tools, generation_config,
                                    agent_config, response_format, response_mime_type, response_modalities,
                                    previous_interaction_id, store, background, stream, continuation_token,
                                    safety_settings, service_tier, labels, webhook_config, environment,
                                    cached_content))

// usage.hpp
BOOST_DESCRIBE_STRUCT(modality_tokens, (), (modality, tokens))
BOOST_DESCRIBE_STRUCT(grounding_tool_count, (), (type, count))
BOOST_DESCRIBE_STRUCT(usage, (), (total_input_tokens, total_output_tokens, total_thought_tokens,
                                  total_cached_tokens, total_tool_use_tokens, total_tokens,
                                  initial_input_tokens, input_tokens_by_modality, output_tokens_by_modality,
                                  cached_tokens_by_modality, tool_use_tokens_by_modality, grounding_tool_count))

// interaction.hpp (`http` is deliberately absent: it is not part of the JSON)
BOOST_DESCRIBE_STRUCT(interaction_error, (), (code, message))
BOOST_DESCRIBE_STRUCT(interaction, (), (id, object, model, agent, status, created, updated, service_tier,
                                        previous_interaction_id, steps, usage, errors, environment_id,
                                        continuation_token, input))

} // namespace gemini
