from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import Any as _Any, ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgentToServerFlags(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AgentToServerFlags_Unspecified: _ClassVar[AgentToServerFlags]
    AgentToServerFlags_RequestInstanceUid: _ClassVar[AgentToServerFlags]

class ServerToAgentFlags(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ServerToAgentFlags_Unspecified: _ClassVar[ServerToAgentFlags]
    ServerToAgentFlags_ReportFullState: _ClassVar[ServerToAgentFlags]
    ServerToAgentFlags_ReportAvailableComponents: _ClassVar[ServerToAgentFlags]

class ServerCapabilities(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ServerCapabilities_Unspecified: _ClassVar[ServerCapabilities]
    ServerCapabilities_AcceptsStatus: _ClassVar[ServerCapabilities]
    ServerCapabilities_OffersRemoteConfig: _ClassVar[ServerCapabilities]
    ServerCapabilities_AcceptsEffectiveConfig: _ClassVar[ServerCapabilities]

class ServerErrorResponseType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ServerErrorResponseType_Unknown: _ClassVar[ServerErrorResponseType]
    ServerErrorResponseType_BadRequest: _ClassVar[ServerErrorResponseType]
    ServerErrorResponseType_Unavailable: _ClassVar[ServerErrorResponseType]

class AgentCapabilities(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AgentCapabilities_Unspecified: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsStatus: _ClassVar[AgentCapabilities]
    AgentCapabilities_AcceptsRemoteConfig: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsEffectiveConfig: _ClassVar[AgentCapabilities]
    AgentCapabilities_AcceptsPackages: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsPackageStatuses: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsOwnTraces: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsOwnMetrics: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsOwnLogs: _ClassVar[AgentCapabilities]
    AgentCapabilities_AcceptsOpAMPConnectionSettings: _ClassVar[AgentCapabilities]
    AgentCapabilities_AcceptsOtherConnectionSettings: _ClassVar[AgentCapabilities]
    AgentCapabilities_AcceptsRestartCommand: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsHealth: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsRemoteConfig: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsHeartbeat: _ClassVar[AgentCapabilities]
    AgentCapabilities_ReportsAvailableComponents: _ClassVar[AgentCapabilities]

class RemoteConfigStatuses(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RemoteConfigStatuses_UNSET: _ClassVar[RemoteConfigStatuses]
    RemoteConfigStatuses_APPLIED: _ClassVar[RemoteConfigStatuses]
    RemoteConfigStatuses_APPLYING: _ClassVar[RemoteConfigStatuses]
    RemoteConfigStatuses_FAILED: _ClassVar[RemoteConfigStatuses]
AgentToServerFlags_Unspecified: AgentToServerFlags
AgentToServerFlags_RequestInstanceUid: AgentToServerFlags
ServerToAgentFlags_Unspecified: ServerToAgentFlags
ServerToAgentFlags_ReportFullState: ServerToAgentFlags
ServerToAgentFlags_ReportAvailableComponents: ServerToAgentFlags
ServerCapabilities_Unspecified: ServerCapabilities
ServerCapabilities_AcceptsStatus: ServerCapabilities
ServerCapabilities_OffersRemoteConfig: ServerCapabilities
ServerCapabilities_AcceptsEffectiveConfig: ServerCapabilities
ServerErrorResponseType_Unknown: ServerErrorResponseType
ServerErrorResponseType_BadRequest: ServerErrorResponseType
ServerErrorResponseType_Unavailable: ServerErrorResponseType
AgentCapabilities_Unspecified: AgentCapabilities
AgentCapabilities_ReportsStatus: AgentCapabilities
AgentCapabilities_AcceptsRemoteConfig: AgentCapabilities
AgentCapabilities_ReportsEffectiveConfig: AgentCapabilities
AgentCapabilities_AcceptsPackages: AgentCapabilities
AgentCapabilities_ReportsPackageStatuses: AgentCapabilities
AgentCapabilities_ReportsOwnTraces: AgentCapabilities
AgentCapabilities_ReportsOwnMetrics: AgentCapabilities
AgentCapabilities_ReportsOwnLogs: AgentCapabilities
AgentCapabilities_AcceptsOpAMPConnectionSettings: AgentCapabilities
AgentCapabilities_AcceptsOtherConnectionSettings: AgentCapabilities
AgentCapabilities_AcceptsRestartCommand: AgentCapabilities
AgentCapabilities_ReportsHealth: AgentCapabilities
AgentCapabilities_ReportsRemoteConfig: AgentCapabilities
AgentCapabilities_ReportsHeartbeat: AgentCapabilities
AgentCapabilities_ReportsAvailableComponents: AgentCapabilities
RemoteConfigStatuses_UNSET: RemoteConfigStatuses
RemoteConfigStatuses_APPLIED: RemoteConfigStatuses
RemoteConfigStatuses_APPLYING: RemoteConfigStatuses
RemoteConfigStatuses_FAILED: RemoteConfigStatuses

class AnyValue(_message.Message):
    __slots__ = ("string_value", "bool_value", "int_value", "double_value", "array_value", "kvlist_value", "bytes_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    ARRAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    KVLIST_VALUE_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    bool_value: bool
    int_value: int
    double_value: float
    array_value: ArrayValue
    kvlist_value: KeyValueList
    bytes_value: bytes
    def __init__(self, string_value: _Optional[str] = ..., bool_value: _Optional[bool] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., array_value: _Optional[_Union[ArrayValue, _Mapping[str, _Any]]] = ..., kvlist_value: _Optional[_Union[KeyValueList, _Mapping[str, _Any]]] = ..., bytes_value: _Optional[bytes] = ...) -> None: ...

class ArrayValue(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[AnyValue]
    def __init__(self, values: _Optional[_Iterable[_Union[AnyValue, _Mapping[str, _Any]]]] = ...) -> None: ...

class KeyValueList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[KeyValue]
    def __init__(self, values: _Optional[_Iterable[_Union[KeyValue, _Mapping[str, _Any]]]] = ...) -> None: ...

class KeyValue(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: AnyValue
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AnyValue, _Mapping[str, _Any]]] = ...) -> None: ...

class AgentToServer(_message.Message):
    __slots__ = ("instance_uid", "sequence_num", "agent_description", "capabilities", "health", "effective_config", "remote_config_status", "agent_disconnect", "flags", "available_components")
    INSTANCE_UID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_NUM_FIELD_NUMBER: _ClassVar[int]
    AGENT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    REMOTE_CONFIG_STATUS_FIELD_NUMBER: _ClassVar[int]
    AGENT_DISCONNECT_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    instance_uid: bytes
    sequence_num: int
    agent_description: AgentDescription
    capabilities: int
    health: ComponentHealth
    effective_config: EffectiveConfig
    remote_config_status: RemoteConfigStatus
    agent_disconnect: AgentDisconnect
    flags: int
    available_components: AvailableComponents
    def __init__(self, instance_uid: _Optional[bytes] = ..., sequence_num: _Optional[int] = ..., agent_description: _Optional[_Union[AgentDescription, _Mapping[str, _Any]]] = ..., capabilities: _Optional[int] = ..., health: _Optional[_Union[ComponentHealth, _Mapping[str, _Any]]] = ..., effective_config: _Optional[_Union[EffectiveConfig, _Mapping[str, _Any]]] = ..., remote_config_status: _Optional[_Union[RemoteConfigStatus, _Mapping[str, _Any]]] = ..., agent_disconnect: _Optional[_Union[AgentDisconnect, _Mapping[str, _Any]]] = ..., flags: _Optional[int] = ..., available_components: _Optional[_Union[AvailableComponents, _Mapping[str, _Any]]] = ...) -> None: ...

class AgentDisconnect(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AvailableComponents(_message.Message):
    __slots__ = ("components", "hash")
    class ComponentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ComponentDetails
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ComponentDetails, _Mapping[str, _Any]]] = ...) -> None: ...
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    components: _containers.MessageMap[str, ComponentDetails]
    hash: bytes
    def __init__(self, components: _Optional[_Mapping[str, ComponentDetails]] = ..., hash: _Optional[bytes] = ...) -> None: ...

class ComponentDetails(_message.Message):
    __slots__ = ("metadata", "sub_component_map")
    class SubComponentMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ComponentDetails
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ComponentDetails, _Mapping[str, _Any]]] = ...) -> None: ...
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SUB_COMPONENT_MAP_FIELD_NUMBER: _ClassVar[int]
    metadata: _containers.RepeatedCompositeFieldContainer[KeyValue]
    sub_component_map: _containers.MessageMap[str, ComponentDetails]
    def __init__(self, metadata: _Optional[_Iterable[_Union[KeyValue, _Mapping[str, _Any]]]] = ..., sub_component_map: _Optional[_Mapping[str, ComponentDetails]] = ...) -> None: ...

class ServerToAgent(_message.Message):
    __slots__ = ("instance_uid", "error_response", "remote_config", "connection_settings", "flags", "capabilities", "agent_identification")
    INSTANCE_UID_FIELD_NUMBER: _ClassVar[int]
    ERROR_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    REMOTE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    AGENT_IDENTIFICATION_FIELD_NUMBER: _ClassVar[int]
    instance_uid: bytes
    error_response: ServerErrorResponse
    remote_config: AgentRemoteConfig
    connection_settings: ConnectionSettingsOffers
    flags: int
    capabilities: int
    agent_identification: AgentIdentification
    def __init__(self, instance_uid: _Optional[bytes] = ..., error_response: _Optional[_Union[ServerErrorResponse, _Mapping[str, _Any]]] = ..., remote_config: _Optional[_Union[AgentRemoteConfig, _Mapping[str, _Any]]] = ..., connection_settings: _Optional[_Union[ConnectionSettingsOffers, _Mapping[str, _Any]]] = ..., flags: _Optional[int] = ..., capabilities: _Optional[int] = ..., agent_identification: _Optional[_Union[AgentIdentification, _Mapping[str, _Any]]] = ...) -> None: ...

class ServerErrorResponse(_message.Message):
    __slots__ = ("type", "error_message", "retry_info")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_INFO_FIELD_NUMBER: _ClassVar[int]
    type: ServerErrorResponseType
    error_message: str
    retry_info: RetryInfo
    def __init__(self, type: _Optional[_Union[ServerErrorResponseType, str]] = ..., error_message: _Optional[str] = ..., retry_info: _Optional[_Union[RetryInfo, _Mapping[str, _Any]]] = ...) -> None: ...

class RetryInfo(_message.Message):
    __slots__ = ("retry_after_nanoseconds",)
    RETRY_AFTER_NANOSECONDS_FIELD_NUMBER: _ClassVar[int]
    retry_after_nanoseconds: int
    def __init__(self, retry_after_nanoseconds: _Optional[int] = ...) -> None: ...

class AgentDescription(_message.Message):
    __slots__ = ("identifying_attributes", "non_identifying_attributes")
    IDENTIFYING_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    NON_IDENTIFYING_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    identifying_attributes: _containers.RepeatedCompositeFieldContainer[KeyValue]
    non_identifying_attributes: _containers.RepeatedCompositeFieldContainer[KeyValue]
    def __init__(self, identifying_attributes: _Optional[_Iterable[_Union[KeyValue, _Mapping[str, _Any]]]] = ..., non_identifying_attributes: _Optional[_Iterable[_Union[KeyValue, _Mapping[str, _Any]]]] = ...) -> None: ...

class ComponentHealth(_message.Message):
    __slots__ = ("healthy", "start_time_unix_nano", "last_error", "status", "status_time_unix_nano", "component_health_map")
    class ComponentHealthMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ComponentHealth
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ComponentHealth, _Mapping[str, _Any]]] = ...) -> None: ...
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_UNIX_NANO_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_TIME_UNIX_NANO_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_HEALTH_MAP_FIELD_NUMBER: _ClassVar[int]
    healthy: bool
    start_time_unix_nano: int
    last_error: str
    status: str
    status_time_unix_nano: int
    component_health_map: _containers.MessageMap[str, ComponentHealth]
    def __init__(self, healthy: _Optional[bool] = ..., start_time_unix_nano: _Optional[int] = ..., last_error: _Optional[str] = ..., status: _Optional[str] = ..., status_time_unix_nano: _Optional[int] = ..., component_health_map: _Optional[_Mapping[str, ComponentHealth]] = ...) -> None: ...

class EffectiveConfig(_message.Message):
    __slots__ = ("config_map",)
    CONFIG_MAP_FIELD_NUMBER: _ClassVar[int]
    config_map: AgentConfigMap
    def __init__(self, config_map: _Optional[_Union[AgentConfigMap, _Mapping[str, _Any]]] = ...) -> None: ...

class RemoteConfigStatus(_message.Message):
    __slots__ = ("last_remote_config_hash", "status", "error_message")
    LAST_REMOTE_CONFIG_HASH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    last_remote_config_hash: bytes
    status: RemoteConfigStatuses
    error_message: str
    def __init__(self, last_remote_config_hash: _Optional[bytes] = ..., status: _Optional[_Union[RemoteConfigStatuses, str]] = ..., error_message: _Optional[str] = ...) -> None: ...

class AgentIdentification(_message.Message):
    __slots__ = ("new_instance_uid",)
    NEW_INSTANCE_UID_FIELD_NUMBER: _ClassVar[int]
    new_instance_uid: bytes
    def __init__(self, new_instance_uid: _Optional[bytes] = ...) -> None: ...

class AgentRemoteConfig(_message.Message):
    __slots__ = ("config", "config_hash")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONFIG_HASH_FIELD_NUMBER: _ClassVar[int]
    config: AgentConfigMap
    config_hash: bytes
    def __init__(self, config: _Optional[_Union[AgentConfigMap, _Mapping[str, _Any]]] = ..., config_hash: _Optional[bytes] = ...) -> None: ...

class AgentConfigMap(_message.Message):
    __slots__ = ("config_map",)
    class ConfigMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AgentConfigFile
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AgentConfigFile, _Mapping[str, _Any]]] = ...) -> None: ...
    CONFIG_MAP_FIELD_NUMBER: _ClassVar[int]
    config_map: _containers.MessageMap[str, AgentConfigFile]
    def __init__(self, config_map: _Optional[_Mapping[str, AgentConfigFile]] = ...) -> None: ...

class AgentConfigFile(_message.Message):
    __slots__ = ("body", "content_type")
    BODY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    content_type: str
    def __init__(self, body: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...

class ConnectionSettingsOffers(_message.Message):
    __slots__ = ("hash", "own_metrics", "own_traces", "own_logs")
    HASH_FIELD_NUMBER: _ClassVar[int]
    OWN_METRICS_FIELD_NUMBER: _ClassVar[int]
    OWN_TRACES_FIELD_NUMBER: _ClassVar[int]
    OWN_LOGS_FIELD_NUMBER: _ClassVar[int]
    hash: bytes
    own_metrics: TelemetryConnectionSettings
    own_traces: TelemetryConnectionSettings
    own_logs: TelemetryConnectionSettings
    def __init__(self, hash: _Optional[bytes] = ..., own_metrics: _Optional[_Union[TelemetryConnectionSettings, _Mapping[str, _Any]]] = ..., own_traces: _Optional[_Union[TelemetryConnectionSettings, _Mapping[str, _Any]]] = ..., own_logs: _Optional[_Union[TelemetryConnectionSettings, _Mapping[str, _Any]]] = ...) -> None: ...

class TelemetryConnectionSettings(_message.Message):
    __slots__ = ("destination_endpoint", "headers")
    DESTINATION_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    destination_endpoint: str
    headers: Headers
    def __init__(self, destination_endpoint: _Optional[str] = ..., headers: _Optional[_Union[Headers, _Mapping[str, _Any]]] = ...) -> None: ...

class Headers(_message.Message):
    __slots__ = ("headers",)
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    def __init__(self, headers: _Optional[_Iterable[_Union[Header, _Mapping[str, _Any]]]] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
